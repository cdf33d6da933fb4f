package im.testkit;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A seeded source of hostile input for fuzz tests: nasty strings, any JSON, and mutations of a well-formed JSON tree or
 * text (wrong types, missing fields, unknown enum values, huge and negative numbers, NUL, unpaired surrogates and control
 * characters, nulls inside lists, huge lists, deep nesting, duplicate keys, non-JSON). Tests are deterministic: the seed is
 * {@link #DEFAULT_SEED} unless the system property {@value #SEED_PROPERTY} names another one, or {@code random} for a
 * fresh one (exploring); it is printed, so every failure can be replayed: {@code ./mvnw ... -Dim.fuzz.seed=<seed>}.
 */
public final class Fuzz {
    /** The system property that fixes the seed of every fuzz test of a run. */
    public static final String SEED_PROPERTY = "im.fuzz.seed";
    /** The seed of every run that names none: the same input each time. */
    public static final long DEFAULT_SEED = 20_261_202L;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Writes what the contract's own codec would refuse to write: nesting past Jackson's limits. */
    private static final ObjectMapper WRITER = new ObjectMapper(JsonFactory.builder()
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(100_000).build()).build());

    /** Strings that break naive code: empty, NUL, unpaired surrogates, controls, bidi, lookalikes, injections, limits. */
    private static final List<String> NASTY = List.of("", " ", "\u0000", "a\u0000b", "\ud800", "\udfff", "x\udbff",
            "\udc00\ud800", "\u0001\u001f\u007f", "\t\r\n", "\u0085\u2028\u2029", "\ufeff", "\u200b\u200d\u2060",
            "\u202eevil\u202c", "e\u0301\u0301\u0301", "\ud83d\ude00", "\ud835\udd4f", "\u4e2d\u6587", "\u0627\u0644",
            "\uffff\ufffe", "\ue000", "null", "true", "0", "-1", "1e999", "NaN", "Infinity",
            "<script>alert(1)</script>", "'; drop table message; --", "%00", "%zz", "../../etc/passwd", "\\", "\"",
            "{}", "[]", "${jndi:ldap://x/a}", "a b", "a/b", "a,b", "a\tb", "peer", "group", "room", "PEER", "Text",
            "a".repeat(32), "a".repeat(33), "a".repeat(64), "a".repeat(65), "n".repeat(257),
            "\u00e9".repeat(129), "\ud83d\ude00".repeat(70));

    private final long seed;
    private final Random random;

    private Fuzz(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** A generator seeded as the class describes; prints the seed under {@code name}. */
    public static Fuzz seeded(String name) {
        String named = System.getProperty(SEED_PROPERTY, "").trim();
        long seed = named.isEmpty()
                ? DEFAULT_SEED
                : named.equals("random") ? new SecureRandom().nextLong() : Long.parseLong(named);
        System.out.printf("FUZZ %s seed=%d (replay with -D%s=%d)%n", name, seed, SEED_PROPERTY, seed);
        return new Fuzz(seed);
    }

    /** A generator with this seed (for replaying one). */
    public static Fuzz withSeed(long seed) {
        return new Fuzz(seed);
    }

    public long seed() {
        return seed;
    }

    public Random random() {
        return random;
    }

    public int nextInt(int bound) {
        return random.nextInt(bound);
    }

    /** A number in {@code [from, to]}. */
    public int between(int from, int to) {
        return from + random.nextInt(to - from + 1);
    }

    public boolean chance(double p) {
        return random.nextDouble() < p;
    }

    @SafeVarargs
    public final <T> T pick(T... values) {
        return values[random.nextInt(values.length)];
    }

    public <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** One of the suppliers, by weight: pairs of (Integer weight, Supplier). */
    @SuppressWarnings("unchecked")
    public <T> T weighted(Object... weightsAndSuppliers) {
        int total = 0;
        for (int i = 0; i < weightsAndSuppliers.length; i += 2) {
            total += (Integer) weightsAndSuppliers[i];
        }
        int roll = random.nextInt(total);
        for (int i = 0; i < weightsAndSuppliers.length; i += 2) {
            roll -= (Integer) weightsAndSuppliers[i];
            if (roll < 0) {
                return ((Supplier<T>) weightsAndSuppliers[i + 1]).get();
            }
        }
        throw new IllegalStateException();
    }

    // ---------------------------------------------------------------- strings

    /** A string that breaks naive code: from the list of nasty ones, random code points, or very long text. */
    public String nastyString() {
        return switch (random.nextInt(10)) {
            case 0, 1, 2, 3 -> pick(NASTY);
            case 4, 5 -> randomCodePoints(between(1, 40));
            case 6 -> "ok" + pick(NASTY) + "ok";
            case 7 -> controlChars(between(1, 8));
            case 8 -> longText();
            default -> plain(between(1, 20));
        };
    }

    /** Text of 1 kB to 40 kB, sometimes multi-byte: over most of the contract's limits, under the frame limit. */
    public String longText() {
        int length = pick(1024, 5 * 1024 + 1, 32 * 1024 + 1, 40 * 1024);
        return chance(0.5) ? "x".repeat(length) : "\u00e9".repeat(length / 2 + 1);
    }

    /** Letters and digits only. */
    public String plain(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".charAt(random.nextInt(62)));
        }
        return text.toString();
    }

    /** Any UTF-16 units: lone surrogates, noncharacters, private use, supplementary planes and controls included. */
    public String randomCodePoints(int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            switch (random.nextInt(8)) {
                case 0 -> text.append((char) random.nextInt(0x20));
                case 1 -> text.append((char) (0xD800 + random.nextInt(0x800))); // a lone surrogate
                case 2 -> text.appendCodePoint(0x10000 + random.nextInt(0x100000));
                case 3 -> text.append((char) (0xFFF0 + random.nextInt(16)));
                case 4 -> text.append((char) (0x80 + random.nextInt(0x780)));
                default -> text.append((char) (0x20 + random.nextInt(0x5F)));
            }
        }
        return text.toString();
    }

    private String controlChars(int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append((char) pick(0, 1, 7, 8, 9, 10, 13, 27, 31, 127, 0x85, 0x2028).intValue());
        }
        return text.toString();
    }

    /** A user, group or room id: mostly valid (the whole charset, the length limit), sometimes broken. */
    public String idLike() {
        return switch (random.nextInt(6)) {
            case 0 -> "u" + plain(between(1, 8));
            case 1 -> idCharset(between(1, 32));
            case 2 -> idCharset(33);
            case 3 -> nastyString();
            default -> "fz" + plain(between(1, 6));
        };
    }

    /** Characters of the documented id charset, including the punctuation. */
    public String idCharset(int length) {
        String charset = "abcXYZ019!#$%&()+-:;<=.>?@[]^_{}|~";
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append(charset.charAt(random.nextInt(charset.length())));
        }
        return text.toString();
    }

    /** Valid or broken base64. */
    public String base64Like() {
        return switch (random.nextInt(6)) {
            case 0 -> "!!!not base64!!!";
            case 1 -> "YQ"; // missing padding
            case 2 -> "YQ==="; // too much padding
            case 3 -> "Y Q = =";
            case 4 -> Base64.getEncoder().encodeToString(new byte[5 * 1024 + 1]);
            default -> Base64.getEncoder().encodeToString(plain(between(0, 40)).getBytes(StandardCharsets.UTF_8));
        };
    }

    // ---------------------------------------------------------------- numbers and JSON

    /** A number that breaks naive code: limits of int and long, beyond them, fractions, negative zero. */
    public JsonNode nastyNumber() {
        return switch (random.nextInt(14)) {
            case 0 -> NODES.numberNode(0);
            case 1 -> NODES.numberNode(-1);
            case 2 -> NODES.numberNode(Integer.MAX_VALUE);
            case 3 -> NODES.numberNode(Integer.MIN_VALUE);
            case 4 -> NODES.numberNode(Long.MAX_VALUE);
            case 5 -> NODES.numberNode(Long.MIN_VALUE);
            case 6 -> NODES.numberNode(BigInteger.TWO.pow(63));
            case 7 -> NODES.numberNode(BigInteger.TWO.pow(64).negate());
            case 8 -> NODES.numberNode(new BigDecimal("1e400"));
            case 9 -> NODES.numberNode(-0.0);
            case 10 -> NODES.numberNode(0.5);
            case 11 -> NODES.numberNode(1.7976931348623157e308);
            case 12 -> NODES.numberNode(new BigDecimal("-1e-400"));
            default -> NODES.numberNode(random.nextLong() >> random.nextInt(63));
        };
    }

    /** Any JSON value, at most {@code depth} levels deep. */
    public JsonNode anyJson(int depth) {
        int kinds = depth <= 0 ? 5 : 8;
        return switch (random.nextInt(kinds)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> nastyNumber();
            case 3, 4 -> NODES.textNode(nastyString());
            case 5 -> {
                ArrayNode array = NODES.arrayNode();
                int size = between(0, 4);
                for (int i = 0; i < size; i++) {
                    array.add(anyJson(depth - 1));
                }
                yield array;
            }
            case 6 -> {
                ObjectNode object = NODES.objectNode();
                int size = between(0, 4);
                for (int i = 0; i < size; i++) {
                    object.set(chance(0.7) ? plain(between(1, 8)) : nastyString(), anyJson(depth - 1));
                }
                yield object;
            }
            default -> deepNest(between(10, 1500));
        };
    }

    /** Arrays or objects nested {@code levels} deep (past Jackson's nesting limit at the top end). */
    public JsonNode deepNest(int levels) {
        JsonNode node = NODES.textNode("bottom");
        boolean arrays = random.nextBoolean();
        for (int i = 0; i < levels; i++) {
            node = arrays ? NODES.arrayNode().add(node) : NODES.objectNode().set("n", node);
        }
        return node;
    }

    /** A list of {@code size} copies of {@code element}. */
    public ArrayNode hugeList(int size, JsonNode element) {
        ArrayNode array = NODES.arrayNode();
        for (int i = 0; i < size; i++) {
            array.add(element.deepCopy());
        }
        return array;
    }

    /** The JSON text of a generated tree, however deep (strings as they are: see {@link #wireSafe}). */
    public static String json(JsonNode tree) {
        try {
            return WRITER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a generated tree", e);
        }
    }

    // ---------------------------------------------------------------- tree mutations

    /** A place in a tree: a field of an object or an element of an array. */
    private record Slot(JsonNode parent, String field, int index) {
        JsonNode get() {
            return field != null ? parent.get(field) : parent.get(index);
        }

        void set(JsonNode value) {
            if (field != null) {
                ((ObjectNode) parent).set(field, value);
            } else {
                ((ArrayNode) parent).set(index, value);
            }
        }

        void remove() {
            if (field != null) {
                ((ObjectNode) parent).remove(field);
            } else {
                ((ArrayNode) parent).remove(index);
            }
        }
    }

    private static void slots(JsonNode node, List<Slot> into) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            List<String> names = new ArrayList<>();
            fields.forEachRemaining(e -> names.add(e.getKey()));
            for (String name : names) {
                into.add(new Slot(object, name, -1));
                slots(object.get(name), into);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                into.add(new Slot(array, null, i));
                slots(array.get(i), into);
            }
        }
    }

    /** What one mutation did, for the report of a failing case. */
    public record Mutation(String kind, String where) {}

    /**
     * Mutates {@code tree} in place with one mutation (wrong type, missing field, nasty string, unknown enum value, nasty
     * number, null or huge list, deep nesting, unknown field) and says which. {@code enumValues} are names of fields
     * whose values are enums ({@code op}, {@code type}, ...): they get unknown values.
     */
    public Mutation mutate(ObjectNode tree, List<String> enumFields) {
        List<Slot> slots = new ArrayList<>();
        slots(tree, slots);
        if (slots.isEmpty()) {
            tree.set(plain(3), anyJson(2));
            return new Mutation("addField", "root");
        }
        Slot slot = pick(slots);
        String where = slot.field != null ? slot.field : "[" + slot.index + "]";
        JsonNode current = slot.get();
        switch (random.nextInt(12)) {
            case 0, 1 -> {
                slot.remove();
                return new Mutation("remove", where);
            }
            case 2, 3 -> {
                slot.set(anyJson(2));
                return new Mutation("wrongType", where);
            }
            case 4, 5 -> {
                List<Slot> strings = slots.stream().filter(s -> s.get() != null && s.get().isTextual()).toList();
                Slot target = strings.isEmpty() ? slot : pick(strings);
                target.set(NODES.textNode(chance(0.3) && target.get() != null && target.get().isTextual()
                        ? target.get().asText() + pick(NASTY)
                        : nastyString()));
                return new Mutation("nastyString", target.field != null ? target.field : "[]");
            }
            case 6 -> {
                List<Slot> enums = slots.stream().filter(s -> s.field != null && enumFields.contains(s.field)).toList();
                Slot target = enums.isEmpty() ? slot : pick(enums);
                String known = target.get() != null ? target.get().asText() : "";
                target.set(NODES.textNode(pick(known.toUpperCase(Locale.ROOT), known + " ", " " + known, "",
                        "unknown", known.isEmpty() ? "x" : known.substring(1), "tips", "sticker", "ROOM", "Peer")));
                return new Mutation("unknownEnum", target.field != null ? target.field : "[]");
            }
            case 7 -> {
                List<Slot> numbers = slots.stream().filter(s -> s.get() != null && s.get().isNumber()).toList();
                Slot target = numbers.isEmpty() ? slot : pick(numbers);
                target.set(nastyNumber());
                return new Mutation("nastyNumber", target.field != null ? target.field : "[]");
            }
            case 8 -> {
                List<Slot> arrays = slots.stream().filter(s -> s.get() != null && s.get().isArray()).toList();
                if (!arrays.isEmpty()) {
                    ArrayNode array = (ArrayNode) pick(arrays).get();
                    if (chance(0.5)) {
                        array.insertNull(array.isEmpty() ? 0 : random.nextInt(array.size() + 1));
                        return new Mutation("nullInList", where);
                    }
                    JsonNode element = array.isEmpty() ? NODES.textNode("u1") : array.get(0);
                    // past every list limit; now and then past the frame limits too, rarely past 1 MiB
                    int size = Math.min(pick(51, 501, 2_000, 20_000), 1_500_000 / Math.max(1, json(element).length()));
                    ArrayNode huge = hugeList(size, element);
                    array.removeAll();
                    array.addAll(huge);
                    return new Mutation("hugeList", where);
                }
                slot.set(NODES.arrayNode().addNull());
                return new Mutation("nullList", where);
            }
            case 9 -> {
                slot.set(deepNest(between(20, 2000)));
                return new Mutation("deepNest", where);
            }
            case 10 -> {
                if (current instanceof ObjectNode object) {
                    object.set(pick("__proto__", "constructor", "op", "id", plain(5), nastyString()), anyJson(1));
                } else {
                    tree.set(pick("__proto__", "extra", "v", nastyString()), anyJson(1));
                }
                return new Mutation("extraField", where);
            }
            default -> {
                slot.set(NODES.nullNode());
                return new Mutation("null", where);
            }
        }
    }

    // ---------------------------------------------------------------- request targets

    /** At most {@code max} characters: request lines and headers stay within the HTTP server's limits. */
    public static String cap(String value, int max) {
        return value.length() > max ? value.substring(0, max) : value;
    }

    /**
     * A path segment for {@code value}: percent-encoded, raw where it is printable ASCII, or behind broken
     * percent-encoding and dot segments; at most 400 characters.
     */
    public String segment(String value) {
        String segment = switch (random.nextInt(16)) {
            case 0 -> pick("%zz", "%", "%0", "%00", "%2F", "%C3%28", "%ED%A0%80", "..", ".", "%2e%2e", ";x=1")
                    + value.replaceAll("[^A-Za-z0-9]", "");
            case 1 -> rawPrintable(value);
            default -> percentEncode(value);
        };
        return cap(segment, 400);
    }

    /** A query with some of {@code names}: numbers of every kind, nasty text, repeated names, broken encoding. */
    public String query(String... names) {
        StringBuilder query = new StringBuilder();
        for (String name : names) {
            if (chance(0.4)) {
                continue;
            }
            String value = switch (random.nextInt(12)) {
                case 0 -> "ten";
                case 1 -> String.valueOf(between(-5, 200));
                case 2 -> "9223372036854775808";
                case 3 -> "-9223372036854775808";
                case 4 -> pick("", "1e3", "0x10", "+5", "%20%205", "%D9%A5", "1.5", "NaN");
                case 5 -> pick("%00", "%ED%A0%80", "%C3%28", "%zz");
                case 6, 7 -> percentEncode(nastyString());
                case 8 -> percentEncode(plain(between(150, 300)));
                default -> String.valueOf(between(0, 100));
            };
            query.append(query.length() == 0 ? '?' : '&').append(name).append('=').append(cap(value, 800));
            if (chance(0.05)) {
                query.append('&').append(name).append("=1");
            }
        }
        return query.toString();
    }

    /** Printable ASCII as it is (the id charset's {@code |[]{}^<>} included), everything else percent-encoded. */
    public static String rawPrintable(String value) {
        StringBuilder out = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c > 0x20 && c < 0x7F && c != '/' && c != '?' && c != '#' && c != '%') {
                out.append(c);
            } else {
                out.append(percentEncode(String.valueOf(c)));
            }
        }
        return out.toString();
    }

    /** Every byte of the UTF-8 form but RFC 3986's unreserved characters as {@code %XX}. */
    public static String percentEncode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : wireSafe(value).getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xFF));
            }
        }
        return out.toString();
    }

    /**
     * Whether Quarkus' HTTP layer takes {@code target} as a request: one that is not a URI (broken percent-encoding,
     * {@code |[]{}^<>} unencoded) is refused with a bare 400 before any application code runs, so there the contract's
     * JSON cannot be promised. Browsers and HTTP libraries encode those characters; only hand-made requests get the 400.
     */
    public static boolean isUri(String target) {
        try {
            new URI(target);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** A header value HTTP can carry: CR, LF and other controls but tab replaced; Latin-1 (obs-text) kept. */
    public static String headerSafe(String value) {
        StringBuilder out = new StringBuilder();
        for (char c : value.toCharArray()) {
            out.append((c < 0x20 && c != '\t') || c == 0x7F || c > 0xFF ? '?' : c);
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- text mutations

    /**
     * Mutates serialized JSON as text: duplicate keys, truncation, stray characters, comments and single quotes, a BOM,
     * leading or trailing junk. Results are often not JSON at all.
     */
    public String mutateText(String json) {
        switch (random.nextInt(9)) {
            case 0 -> {
                int brace = json.indexOf('{');
                return brace < 0
                        ? json
                        : json.substring(0, brace + 1) + "\"" + pick("op", "id", "to", "message", "type")
                                + "\":" + pick("\"ping\"", "\"send\"", "null", "1", "{}", "\"dup\"") + ","
                                + json.substring(brace + 1);
            }
            case 1 -> {
                return json.substring(0, random.nextInt(json.length() + 1));
            }
            case 2 -> {
                int at = random.nextInt(json.length() + 1);
                return json.substring(0, at) + pick("{", "}", "[", "]", "\"", "\\", ",", ":", "\u0000", "\u0001", "\n",
                        "\\u", "\\ud800", "\\x00", "'", "/*", "\u00ff") + json.substring(at);
            }
            case 3 -> {
                return "\ufeff" + json;
            }
            case 4 -> {
                return json.replace('"', '\'');
            }
            case 5 -> {
                return "/* comment */" + json + pick(",", "}", " trailing", "\u0000", "{}");
            }
            case 6 -> {
                return json.replaceFirst("}$", ",}");
            }
            case 7 -> {
                return "  \n\t" + json + "  ";
            }
            default -> {
                return json + json;
            }
        }
    }

    /** Something that is not a JSON object: other JSON values, garbage, empty text. */
    public String notAnObject() {
        return switch (random.nextInt(14)) {
            case 0 -> "";
            case 1 -> "   ";
            case 2 -> "null";
            case 3 -> "[]";
            case 4 -> "[{\"op\":\"ping\",\"id\":\"x\"}]";
            case 5 -> "\"ping\"";
            case 6 -> "42";
            case 7 -> "true";
            case 8 -> "undefined";
            case 9 -> "NaN";
            case 10 -> "{";
            case 11 -> "}";
            case 12 -> plain(between(1, 50));
            default -> randomCodePoints(between(1, 50));
        };
    }

    /**
     * Text as a WebSocket or HTTP client can put it on the wire: unpaired surrogates have no UTF-8 form, so they are
     * written as JSON escapes ({@code \ud800}); the server sees the same string once it reads the JSON.
     */
    public static String wireSafe(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }
}
