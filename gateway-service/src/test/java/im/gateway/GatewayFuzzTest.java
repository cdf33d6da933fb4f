package im.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.MessageClass;
import im.protocol.MessageRules;
import im.protocol.ProtocolException;
import im.protocol.Text;
import im.protocol.Topics;
import im.testkit.ContractAnswers;
import im.testkit.EmbeddedKafka;
import im.testkit.Fuzz;
import im.testkit.KafkaResource;
import im.testkit.RawRequests;
import im.testkit.RawWebSocket;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/**
 * Property-based fuzzing of the gateway's edge (issue 9): well-formed frames and REST bodies of the contract, then
 * mutated ones (wrong types, missing fields, unknown enum values, huge and negative numbers, NUL, unpaired surrogates and
 * control characters in strings, nulls inside and huge lists, deep nesting, duplicate keys, non-JSON), from a seed that
 * is printed ({@code -Dim.fuzz.seed=} replays it). The properties:
 * <ul>
 * <li>every frame gets exactly one answer: an {@code ack} or {@code pong} with its id when its id is readable, else an
 * {@code error} frame or an ack without that id; every refusal is a catalogued code, never {@code INTERNAL};
 * {@code UNAVAILABLE} only where a dependency is absent in this test (history for {@code revoke}, media for a mediaId);
 * <li>the socket is closed only with a documented code: here only {@code 1009} for a frame over 1 MiB, after which the
 * test reconnects and goes on;
 * <li>the opening handshake with any token ends open, or in an {@code error} frame naming {@code UNAUTHORIZED} or
 * {@code TOKEN_EXPIRED} and close code 4401;
 * <li>every record the gateway wrote for the fuzzing users passes the checks routing and history apply to it;
 * <li>REST answers are never 5xx (but 503 {@code UNAVAILABLE} for history's and media's paths, group creation (claimed in
 * history) and media messages: those
 * services do not run in these tests) and every refusal is {@code {"error": {"code", "message"}}} with a catalogued code
 * and that code's status.
 * </ul>
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
class GatewayFuzzTest {
    private static final int FRAMES = Integer.getInteger("im.fuzz.frames", 10_000);
    private static final int REST_REQUESTS = Integer.getInteger("im.fuzz.requests", 3_000);
    private static final int HANDSHAKES = 150;
    private static final int SOCKETS = 4;
    /** Frames sent and not answered yet, per socket: far below the outbound queue that closes slow consumers. */
    private static final int WINDOW = 200;
    private static final int OVER_ONE_MIB = 2;
    /** Request ids the fuzzer gives: {@code f<socket>-<seq>z}, then whatever a mutation appended. */
    private static final Pattern OUR_ID = Pattern.compile("^f(\\d+)-(\\d+)z");
    private static final Set<String> PUSHES = Set.of("messages", "broadcast", "revoked", "receipt", "tokenWillExpire",
            "session", "presence", "conversationChanged", "totalUnreadChanged");

    private static final ObjectMapper LENIENT = new ObjectMapper();
    private static final int ONE_MEBIBYTE = 1024 * 1024;

    @TestHTTPResource("/")
    URL url;

    // ------------------------------------------------------------------------------------------------ WebSocket

    @Test
    void fuzzedFrames_getOneCataloguedAnswerEach_andTheSocketClosesOnlyWithDocumentedCodes() throws Exception {
        Fuzz seedSource = Fuzz.seeded("GatewayFuzzTest.frames");
        FuzzShapes.World world = FuzzShapes.World.of(seedSource.seed(), SOCKETS);
        createGroup(world);
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        long started = System.nanoTime();
        Map<String, Long> ends;
        try (RecordReader records = new RecordReader(EmbeddedKafka.shared().bootstrapServers(),
                List.of(Topics.MESSAGES_RELIABLE, Topics.MESSAGES_SIGNAL, Topics.MESSAGES_BARRAGE))) {
            ExecutorService pool = Executors.newFixedThreadPool(SOCKETS);
            List<Future<Integer>> sockets = new ArrayList<>();
            for (int i = 0; i < SOCKETS; i++) {
                int socket = i;
                int frames = FRAMES / SOCKETS + (socket < FRAMES % SOCKETS ? 1 : 0);
                sockets.add(pool.submit(() -> fuzzSocket(Fuzz.withSeed(seedSource.seed() * 31 + socket), world, socket,
                        frames, socket == 0 ? OVER_ONE_MIB : 0, violations)));
            }
            int sent = 0;
            for (Future<Integer> socket : sockets) {
                sent += socket.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            System.out.printf("FUZZ GatewayFuzzTest.frames: %d frames on %d sockets in %d ms, %d violations%n", sent,
                    SOCKETS, (System.nanoTime() - started) / 1_000_000, violations.size());
            assertThat(sent).isGreaterThanOrEqualTo(FRAMES);
            checkRecords(records.readToEnd(), world, violations);
        }
        assertThat(violations).as("seed %d (replay: -D%s=%d)", seedSource.seed(), Fuzz.SEED_PROPERTY, seedSource.seed())
                .isEmpty();
    }

    /** Sends {@code frames} generated frames on one user's socket, pipelined; returns how many were sent. */
    private int fuzzSocket(Fuzz f, FuzzShapes.World world, int index, int frames, int overOneMebibyte,
            List<String> violations) {
        String me = world.users().get(index);
        FuzzShapes shapes = new FuzzShapes(f, world, me);
        Set<Integer> hugeAt = new HashSet<>();
        while (hugeAt.size() < overOneMebibyte) {
            hugeAt.add(f.between(frames / 4, frames - 1));
        }
        FuzzSocket socket = FuzzSocket.open(url, me, index, violations);
        int sent = 0;
        for (int seq = 0; seq < frames; seq++) {
            if (hugeAt.contains(seq)) {
                socket = closeWithOverOneMebibyte(socket, f, me, index, violations);
                sent++;
                continue;
            }
            Generated frame = generate(f, shapes, index, seq);
            if (frame.text().length() > ONE_MEBIBYTE / 4
                    && frame.text().getBytes(StandardCharsets.UTF_8).length > ONE_MEBIBYTE) {
                overOneMebibyte(frame, me, violations);
                sent++;
                continue;
            }
            if (socket.isClosed()) {
                violations.add("socket " + index + " closed with " + socket.closeCode() + " (" + socket.closeReason()
                        + ") after " + ContractAnswers.abbreviate(socket.lastSent()));
                socket = FuzzSocket.open(url, me, index, violations);
            }
            if (!socket.send(frame)) {
                break;
            }
            sent++;
        }
        socket.finish();
        socket.close();
        return sent;
    }

    /** Drains the socket, sends a frame over 1 MiB, expects close code 1009 and opens a new socket. */
    private FuzzSocket closeWithOverOneMebibyte(FuzzSocket socket, Fuzz f, String me, int index, List<String> violations) {
        socket.finish();
        String huge = "{\"op\":\"send\",\"id\":\"huge\",\"to\":{\"type\":\"peer\",\"id\":\"fzbob\"},\"message\":{\"type\":"
                + "\"text\",\"text\":\"" + "y".repeat(f.between(1024 * 1024 + 1, 1200 * 1024)) + "\"}}";
        int code = socket.sendAndAwaitClose(huge);
        if (code != 1009 && code != -1) {
            violations.add("a frame over 1 MiB closed the socket with " + code + ", not 1009");
        }
        return FuzzSocket.open(url, me, index, violations);
    }

    /**
     * A generated frame over 1 MiB, on a connection of its own (fragments of 16 KiB, as java.net.http sends them): the
     * server closes it with 1009; -1 when the close frame was lost to the reset of a connection still being written.
     */
    private void overOneMebibyte(Generated frame, String me, List<String> violations) {
        try (RawWebSocket ws = RawWebSocket.open(url.toString(), "/v1/ws", Map.of("Authorization", "Bearer "
                + Tokens.user(me)))) {
            try {
                ws.sendFragmented(frame.text(), 16 * 1024);
            } catch (IOException e) {
                // the server closed while the rest was being written
            }
            RawWebSocket.Outcome outcome = ws.readUntil(t -> false);
            if (outcome.closeCode() != 1009 && outcome.closeCode() != -1) {
                violations.add("a frame over 1 MiB closed the socket with " + outcome.closeCode() + ", not 1009: "
                        + frame.description());
            }
        }
    }

    /** A frame as sent, with what it may be answered with. */
    record Generated(String text, String description, Expect expect) {}

    /**
     * What answers a frame: {@code strict} when its id is readable (the first {@code id} is valid text the fuzzer gave),
     * then exactly one ack or pong with one of {@code ids}; else one answer that is either that or anonymous (an
     * {@code error} frame, an ack without an id of ours). {@code unavailable}: the request may meet an absent dependency.
     */
    record Expect(int seq, boolean strict, Set<String> ids, boolean unavailable) {}

    private Generated generate(Fuzz f, FuzzShapes shapes, int socket, int seq) {
        String id = "f" + socket + "-" + seq + "z";
        ObjectNode frame = shapes.frame(id);
        String description;
        String text;
        int roll = f.nextInt(100);
        if (roll < 30) {
            description = "valid " + frame.path("op").asText();
            text = Fuzz.json(frame);
        } else if (roll < 72) {
            int mutations = f.between(1, 3);
            StringBuilder what = new StringBuilder("mutated " + frame.path("op").asText() + ":");
            for (int i = 0; i < mutations; i++) {
                Fuzz.Mutation m = f.mutate(frame, FuzzShapes.ENUM_FIELDS);
                what.append(' ').append(m.kind()).append('@').append(m.where());
            }
            description = what.toString();
            text = Fuzz.json(frame);
        } else if (roll < 82) {
            if (f.chance(0.5)) {
                f.mutate(frame, FuzzShapes.ENUM_FIELDS);
            }
            description = "text-mutated " + frame.path("op").asText();
            text = f.mutateText(Fuzz.json(frame));
        } else if (roll < 86) {
            description = "not an object";
            text = f.notAnObject();
        } else if (roll < 95) {
            description = "id variant";
            text = idVariant(f, frame, id);
        } else if (roll < 98) {
            description = "deep combine";
            ObjectNode message = shapes.message("text");
            int depth = f.between(50, 400);
            for (int i = 0; i < depth; i++) {
                ObjectNode outer = shapes.message("combine");
                ((ArrayNode) outer.get("messages")).removeAll().add(message);
                message = outer;
            }
            frame = shapes.frame(id);
            frame.put("op", "send").set("message", message);
            frame.putObject("to").put("type", "peer").put("id", shapes.otherUser());
            text = Fuzz.json(frame);
        } else {
            description = "oversize";
            frame.put("op", "send").putObject("message").put("type", "text").put("text",
                    "z".repeat(f.between(96 * 1024, 400 * 1024)));
            text = Fuzz.json(frame);
        }
        text = Fuzz.wireSafe(text);
        return new Generated(text, description, expect(text, seq));
    }

    /** The frame with its id replaced: missing, null, a number, a boolean, an object, nasty text, duplicated. */
    private static String idVariant(Fuzz f, ObjectNode frame, String id) {
        switch (f.nextInt(9)) {
            case 0 -> frame.remove("id");
            case 1 -> frame.putNull("id");
            case 2 -> frame.put("id", 9_000_000_000L + f.nextInt(1_000_000));
            case 3 -> frame.put("id", f.chance(0.5));
            case 4 -> frame.putObject("id").put("id", id);
            case 5 -> frame.put("id", id + f.nastyString());
            case 6 -> frame.putArray("id").add(id);
            case 7 -> {
                String json = Fuzz.json(frame);
                return json.replaceFirst("\\{", "{\"id\":\"" + id + "-first\",");
            }
            default -> frame.put("id", id + "x".repeat(f.between(100, 50_000)));
        }
        return Fuzz.json(frame);
    }

    /** Reads a frame's text the way the gateway names a request: the first top-level {@code id}. */
    private static Expect expect(String text, int seq) {
        Set<String> ids = new HashSet<>();
        boolean strict = false;
        boolean firstId = true;
        try (JsonParser parser = JsonCodec.mapper().createParser(text)) {
            if (parser.nextToken() == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String field = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if ("id".equals(field)) {
                        if (value.isScalarValue() && value != JsonToken.VALUE_NULL) {
                            ids.add(parser.getText());
                        }
                        if (firstId) {
                            strict = value == JsonToken.VALUE_STRING && Text.isValid(parser.getText())
                                    && ourSeq(parser.getText()) == seq;
                            firstId = false;
                        }
                    }
                    parser.skipChildren();
                }
            }
        } catch (Exception e) {
            // the rest is unreadable: what was read so far is what the gateway can read too
        }
        JsonNode tree = lenientTree(text);
        boolean unavailable = tree != null && tree.isObject()
                && ("revoke".equals(tree.path("op").asText()) || FuzzShapes.namesMedia(tree));
        return new Expect(seq, strict, ids, unavailable);
    }

    /** Reads JSON as record binding does: a duplicate key's last value wins. Null when it is not JSON. */
    static JsonNode lenientTree(String text) {
        try {
            return LENIENT.readTree(text);
        } catch (Exception e) {
            return null;
        }
    }

    static JsonNode lenientTree(byte[] body) {
        try {
            return LENIENT.readTree(body);
        } catch (Exception e) {
            return null;
        }
    }

    /** The sequence number of one of the fuzzer's request ids, or -1. */
    static int ourSeq(String id) {
        Matcher m = OUR_ID.matcher(id);
        return m.find() ? Integer.parseInt(m.group(2)) : -1;
    }

    /**
     * One fuzzing user's WebSocket: frames go out pipelined (at most {@link #WINDOW} unanswered), answers are counted per
     * request id as they come, and every answer and close is checked against the contract.
     */
    static final class FuzzSocket implements WebSocket.Listener {
        private static final HttpClient HTTP = HttpClient.newHttpClient();

        private final int index;
        private final List<String> violations;
        private final Semaphore window = new Semaphore(WINDOW);
        private final Map<Integer, Generated> frames = new ConcurrentHashMap<>();
        private final Map<Integer, AtomicInteger> answered = new ConcurrentHashMap<>();
        private final List<JsonNode> anonymous = Collections.synchronizedList(new ArrayList<>());
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        private final AtomicInteger pongs = new AtomicInteger();
        private volatile String closeReason;
        private volatile String lastSent = "";
        private WebSocket socket;

        private FuzzSocket(int index, List<String> violations) {
            this.index = index;
            this.violations = violations;
        }

        static FuzzSocket open(URL url, String userId, int index, List<String> violations) {
            FuzzSocket listener = new FuzzSocket(index, violations);
            listener.socket = HTTP.newWebSocketBuilder().header("Authorization", "Bearer " + Tokens.user(userId))
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(url.toString().replaceFirst("^http", "ws") + "v1/ws"), listener).join();
            return listener;
        }

        boolean isClosed() {
            return closed.isDone();
        }

        int closeCode() {
            return closed.getNow(0);
        }

        String closeReason() {
            return closeReason;
        }

        String lastSent() {
            return lastSent;
        }

        /** Sends a frame once the window has room; false when answers stopped coming. */
        boolean send(Generated frame) {
            try {
                if (!window.tryAcquire(30, TimeUnit.SECONDS)) {
                    violations.add("socket " + index + ": no answers for 30 s; unanswered: " + unanswered(5));
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            frames.put(frame.expect().seq(), frame);
            lastSent = frame.description() + ": " + frame.text();
            try {
                socket.sendText(frame.text(), true).join();
            } catch (RuntimeException e) {
                // the server closed the connection: reported by the caller through isClosed
            }
            return true;
        }

        /** Waits until every frame sent is answered, then checks that none was answered twice. */
        void finish() {
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> isClosed() || outstanding() <= 0);
            } catch (ConditionTimeoutException e) {
                violations.add("socket " + index + ": unanswered after 60 s: " + unanswered(10));
            }
            if (!isClosed()) {
                // a barrier: the session writes its frames in order, so once it is answered, whatever the frames before
                // it caused synchronously has arrived. A session that stopped writing (a lost drain event once did
                // that) answers nothing more: a violation, not an error, so the other sockets' findings are kept too
                String barrier = "{\"op\":\"ping\",\"id\":\"barrier\"}";
                int before = pongs.get();
                socket.sendText(barrier, true).join();
                try {
                    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> isClosed() || pongs.get() > before);
                } catch (ConditionTimeoutException e) {
                    violations.add("socket " + index + ": the barrier ping got no pong in 60 s: the session stopped "
                            + "answering; unanswered: " + unanswered(10));
                }
            }
            long strictMissing = frames.values().stream()
                    .filter(g -> g.expect().strict() && count(g.expect().seq()) == 0).count();
            if (!isClosed() && strictMissing > 0) {
                violations.add("socket " + index + ": " + strictMissing + " frames with an id got no answer: "
                        + unanswered(5));
            }
            frames.values().stream().filter(g -> count(g.expect().seq()) > 1).limit(5).forEach(g -> violations
                    .add("answered " + count(g.expect().seq()) + " times: " + describe(g)));
            long expectedAnonymous = frames.values().stream().filter(g -> count(g.expect().seq()) == 0).count();
            if (anonymous.size() > expectedAnonymous) {
                violations.add("socket " + index + ": " + anonymous.size() + " answers without a request id of ours for "
                        + expectedAnonymous + " frames without a readable id");
            }
            frames.clear();
            answered.clear();
            anonymous.clear();
        }

        private long outstanding() {
            long unansweredFrames = frames.values().stream().filter(g -> count(g.expect().seq()) == 0).count();
            return unansweredFrames - anonymous.size();
        }

        private int count(int seq) {
            AtomicInteger count = answered.get(seq);
            return count == null ? 0 : count.get();
        }

        private String unanswered(int max) {
            return frames.values().stream().filter(g -> count(g.expect().seq()) == 0).limit(max)
                    .map(FuzzSocket::describe).toList().toString();
        }

        private static String describe(Generated g) {
            return g.description() + " " + ContractAnswers.abbreviate(g.text());
        }

        /** Sends a frame that must close the connection and returns the close code (-1: the connection just went). */
        int sendAndAwaitClose(String text) {
            try {
                socket.sendText(text, true).join();
            } catch (RuntimeException e) {
                // the server may close while the frame is still being written
            }
            return closed.orTimeout(20, TimeUnit.SECONDS).exceptionally(e -> -2).join();
        }

        void close() {
            if (!isClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").exceptionally(e -> null);
                closed.orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> 0).join();
            }
            socket.abort();
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    answer(JsonCodec.tree(text));
                } catch (RuntimeException e) {
                    violations.add("socket " + index + ": unreadable server frame " + ContractAnswers.abbreviate(text));
                }
            }
            webSocket.request(1);
            return null;
        }

        private void answer(JsonNode frame) {
            String op = frame.path("op").asText();
            if (PUSHES.contains(op)) {
                return;
            }
            JsonNode idNode = frame.get("id");
            String id = idNode == null || idNode.isNull() ? null : idNode.asText();
            if ("pong".equals(op) && "barrier".equals(id)) {
                pongs.incrementAndGet();
                return;
            }
            Generated request = null;
            int seq = id == null ? -1 : ourSeq(id);
            if (seq >= 0) {
                request = frames.get(seq);
                if (request == null || !request.expect().ids().contains(id)) {
                    violations.add("socket " + index + ": an answer names a request id never sent: " + frame);
                    request = null;
                }
            }
            switch (op) {
                case "ack" -> {
                    String status = frame.path("status").asText();
                    if ("failed".equals(status)) {
                        String problem = ContractAnswers.errorProblem(frame.get("error"));
                        if (problem != null) {
                            violations.add(problem + ": " + frame + " for " + (request == null ? "?" : describe(request)));
                        } else if ("UNAVAILABLE".equals(frame.path("error").path("code").asText())
                                && request != null && !request.expect().unavailable()) {
                            violations.add("UNAVAILABLE for a request that needs no absent service: " + frame + " for "
                                    + describe(request));
                        }
                    } else if (!"success".equals(status)) {
                        violations.add("ack status is neither success nor failed: " + frame);
                    }
                }
                case "pong" -> {
                    // answers a ping
                }
                case "error" -> {
                    String problem = ContractAnswers.errorProblem(frame.get("error"));
                    if (problem != null) {
                        violations.add(problem + ": " + frame);
                    }
                }
                default -> violations.add("socket " + index + ": unexpected frame " + ContractAnswers.abbreviate(
                        frame.toString()));
            }
            if (request != null) {
                answered.computeIfAbsent(seq, s -> new AtomicInteger()).incrementAndGet();
            } else {
                anonymous.add(frame);
            }
            window.release();
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closed.complete(statusCode);
            window.release(WINDOW);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeReason = error.toString();
            closed.complete(-1);
            window.release(WINDOW);
        }
    }

    /** Every record the gateway wrote for the fuzzing users must pass what routing and history check. */
    private static void checkRecords(List<ConsumerRecord<String, String>> records, FuzzShapes.World world,
            List<String> violations) {
        int checked = 0;
        for (ConsumerRecord<String, String> record : records) {
            Envelope envelope;
            try {
                envelope = JsonCodec.decode(record.value(), Envelope.class);
            } catch (ProtocolException e) {
                if (world.users().stream().anyMatch(u -> record.value().contains(u))) {
                    violations.add("a record the gateway wrote is unreadable (" + e.getMessage() + "): "
                            + ContractAnswers.abbreviate(record.value()));
                }
                continue;
            }
            if (envelope.sender() == null || !world.users().contains(envelope.sender().id())) {
                continue;
            }
            checked++;
            try {
                String key = MessageRules.checkEnvelope(envelope).value();
                if (!key.equals(record.key())) {
                    violations.add("record key " + record.key() + " is not " + key);
                }
                boolean reliable = envelope.action() != null
                        || envelope.message().type().messageClass() == MessageClass.RELIABLE;
                if (reliable != Topics.MESSAGES_RELIABLE.equals(record.topic())) {
                    violations.add("a " + envelope.message().type() + " record on " + record.topic());
                }
            } catch (ProtocolException e) {
                violations.add("a record the gateway accepted is refused by its consumers (" + e.code() + ": "
                        + e.getMessage() + "): " + ContractAnswers.abbreviate(record.value()));
            }
        }
        System.out.printf("FUZZ GatewayFuzzTest.frames: %d records of the fuzzing users checked as consumers do%n",
                checked);
        if (checked == 0) {
            violations.add("no send was accepted: the fuzzer never reached Kafka");
        }
    }

    /** Reads topics from their current end. */
    static final class RecordReader implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private final List<TopicPartition> partitions = new ArrayList<>();

        RecordReader(String bootstrapServers, List<String> topics) {
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.GROUP_ID_CONFIG, "fuzz-" + UUID.randomUUID(),
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"),
                    new StringDeserializer(), new StringDeserializer());
            for (String topic : topics) {
                consumer.partitionsFor(topic, Duration.ofSeconds(10))
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
        }

        List<ConsumerRecord<String, String>> readToEnd() {
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            });
            return records;
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /**
     * The fuzz world's group, written to im.membership as the gateway writes a group once history granted its claim
     * (history-service does not run in these tests), then awaited until this node's view holds it.
     */
    private void createGroup(FuzzShapes.World world) {
        RawRequests http = RawRequests.of(url.toString());
        String servers = EmbeddedKafka.shared().bootstrapServers();
        long now = System.currentTimeMillis();
        TopicProbe.produce(servers, new ProducerRecord<>(Topics.MEMBERSHIP, Membership.groupKey(world.group()),
                JsonCodec.encode(new Membership(1, Membership.KIND_GROUP, world.group(), null, "fuzz",
                        world.users().get(0), now))));
        for (String user : world.users()) {
            TopicProbe.produce(servers, new ProducerRecord<>(Topics.MEMBERSHIP, Membership.memberKey(world.group(), user),
                    JsonCodec.encode(new Membership(1, Membership.KIND_MEMBER, world.group(), user, null, null, now))));
        }
        for (String user : world.users()) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> http.send("GET", "/v1/groups/" + world.group()
                    + "/members", Map.of("Authorization", "Bearer " + Tokens.user(user)), null).status() == 200);
        }
    }

    // ------------------------------------------------------------------------------------------------ handshake

    @Test
    void fuzzedHandshakes_openTheSession_orCloseWith4401AfterNamingTheReason() {
        Fuzz f = Fuzz.seeded("GatewayFuzzTest.handshakes");
        List<String> violations = new ArrayList<>();
        for (int i = 0; i < HANDSHAKES; i++) {
            String user = "fzhs" + i;
            String token = switch (f.nextInt(10)) {
                case 0 -> Tokens.user(user);
                case 1 -> Tokens.sign(Tokens.DEV_SECRET, Fuzz.cap(f.nastyString(), 300), null, Duration.ofHours(1), false);
                case 2 -> Tokens.sign(Tokens.DEV_SECRET, user, Fuzz.cap(f.nastyString(), 1000), Duration.ofHours(1), false);
                case 3 -> Tokens.sign(Tokens.DEV_SECRET, user, null, Duration.ofMinutes(-f.between(1, 1000)), false);
                case 4 -> Tokens.sign("another-secret-another-secret-another-secret", user, null, Duration.ofHours(1),
                        false);
                case 5 -> unsigned(user);
                case 6 -> Tokens.user(user) + f.pick("x", ".", "..", "=", " ");
                default -> Fuzz.cap(f.nastyString(), 1000);
            };
            String target;
            Map<String, String> headers = new LinkedHashMap<>();
            switch (f.nextInt(5)) {
                case 0 -> {
                    target = "/v1/ws?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
                }
                case 1 -> {
                    target = "/v1/ws?token=" + f.pick("%zz", "%", "%e9", "%C3%28", "%00", "a%2", "+", "&token=")
                            + URLEncoder.encode(token, StandardCharsets.UTF_8) + f.pick("", "%", "&x=%zz", "&token=x");
                }
                case 2 -> {
                    target = "/v1/ws";
                    headers.put("Authorization", f.pick("Bearer ", "bearer ", "BEARER  ", "Basic ", "") + Fuzz.headerSafe(
                            token));
                }
                case 3 -> {
                    target = "/v1/ws?" + f.pick("token", "token=", "tok=x", "=", "&&", "token=%20") + "";
                }
                default -> {
                    target = "/v1/ws";
                    headers.put("Authorization", "Bearer " + Fuzz.headerSafe(token));
                }
            }
            target = Fuzz.cap(target, 3000); // within the HTTP server's 4 KiB request line
            try (RawWebSocket ws = RawWebSocket.open(url.toString(), target, headers)) {
                if (ws.status() != 101) {
                    // a request target that is no URI is refused by Quarkus before the upgrade (Fuzz.isUri)
                    String problem = !Fuzz.isUri(target)
                            ? (ws.status() == 400 ? null : "status " + ws.status())
                            : ContractAnswers.restProblem(new RawRequests.Answer(ws.status(), Map.of(), ws.body()), false);
                    if (problem != null || ws.status() >= 500) {
                        violations.add("upgrade answered " + problem + " for " + ContractAnswers.abbreviate(target));
                    }
                    continue;
                }
                ws.sendText("{\"op\":\"ping\",\"id\":\"hs\"}");
                RawWebSocket.Outcome outcome = ws.readUntil(t -> t.contains("\"pong\""));
                if (outcome.closeCode() == 0) {
                    rawFrame(f, ws, violations); // the session is open: a frame of another kind, then a ping
                    continue;
                }
                String first = outcome.texts().isEmpty() ? null : outcome.texts().get(0);
                String code = first == null ? null : JsonCodec.tree(first).path("error").path("code").asText(null);
                if (outcome.closeCode() != 4401 || !Set.of("UNAUTHORIZED", "TOKEN_EXPIRED").contains(code)) {
                    violations.add("handshake " + ContractAnswers.abbreviate(target) + " " + ContractAnswers.abbreviate(
                            headers.toString()) + " ended with close " + outcome.closeCode() + " after " + outcome.texts());
                }
            } catch (IOException | RuntimeException e) {
                violations.add("handshake " + ContractAnswers.abbreviate(target) + ": " + e);
            }
        }
        assertThat(violations).as("seed %d (replay: -D%s=%d)", f.seed(), Fuzz.SEED_PROPERTY, f.seed()).isEmpty();
    }

    /**
     * A WebSocket frame that is not a plain JSON text frame. Binary frames, control frames and a text message in
     * fragments leave the session open (a binary frame is answered with an {@code error}); a frame RFC 6455 forbids
     * (reserved bits or opcodes, a continuation with nothing to continue, a text frame that is not UTF-8) closes it with
     * the RFC's code, 1002 or 1007, or without a close frame, as the RFC allows. A ping with its id then says whether
     * the session is still there.
     */
    private static void rawFrame(Fuzz f, RawWebSocket ws, List<String> violations) throws IOException {
        byte[] ping = "{\"op\":\"ping\",\"id\":\"raw\"}".getBytes(StandardCharsets.UTF_8);
        int kind = f.nextInt(8);
        Set<Integer> closes = Set.of();
        switch (kind) {
            case 0 -> ws.sendFrame(0x82, ping); // binary
            case 1 -> ws.sendFrame(0x89, "hello".getBytes(StandardCharsets.UTF_8)); // ping control frame
            case 2 -> ws.sendFrame(0x8A, new byte[0]); // unsolicited pong
            case 3 -> ws.sendFragmented("{\"op\":\"ping\",\"id\":\"fragmented\"}", f.between(1, 10));
            case 4 -> {
                ws.sendFrame(0x81, new byte[]{'{', '"', (byte) 0xC3, 0x28, '"', '}'}); // not UTF-8
                closes = Set.of(1007);
            }
            case 5 -> {
                ws.sendFrame(0xC1, ping); // RSV1 without an extension
                closes = Set.of(1002);
            }
            case 6 -> {
                ws.sendFrame(0x83, ping); // reserved opcode
                closes = Set.of(1002);
            }
            default -> {
                ws.sendFrame(0x80, ping); // a continuation of nothing
                closes = Set.of(1002);
            }
        }
        ws.sendText("{\"op\":\"ping\",\"id\":\"after\"}");
        RawWebSocket.Outcome outcome = ws.readUntil(t -> t.contains("\"after\""));
        boolean open = outcome.closeCode() == 0;
        if (closes.isEmpty() && !open) {
            violations.add("raw frame " + kind + " closed the session with " + outcome.closeCode() + " after "
                    + outcome.texts());
        } else if (!closes.isEmpty() && !open && !closes.contains(outcome.closeCode()) && outcome.closeCode() != -1) {
            // RFC 6455 fails such a connection; the close frame is optional there (-1: closed without one)
            violations.add("raw frame " + kind + " closed the session with " + outcome.closeCode() + ", not " + closes);
        } else if (kind == 0 && outcome.texts().stream().noneMatch(t -> t.contains("\"error\""))) {
            violations.add("a binary frame got no error frame: " + outcome.texts());
        }
    }

    /** A token with {@code "alg": "none"}: unsigned. */
    private static String unsigned(String user) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"sub\":\"" + user + "\",\"exp\":" + (System.currentTimeMillis() / 1000 + 3600)
                        + "}").getBytes(StandardCharsets.UTF_8))
                + ".";
    }

    // ------------------------------------------------------------------------------------------------ REST

    /**
     * A request as sent, and whether an absent dependency may answer it; {@code sendKey}: the sender and clientMsgId of a
     * send, which the gateway answers alike while the first send with them is in flight.
     */
    record Request(String method, String target, Map<String, String> headers, byte[] body, boolean unavailable,
            String description, String sendKey) {

        Request mayBeUnavailable() {
            return new Request(method, target, headers, body, true, description, sendKey);
        }
    }

    @Test
    void fuzzedRestRequests_areNever5xx_andEveryRefusalIsCatalogued() throws Exception {
        Fuzz f = Fuzz.seeded("GatewayFuzzTest.rest");
        FuzzShapes.World world = FuzzShapes.World.of(f.seed() + 1, SOCKETS);
        createGroup(world);
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < REST_REQUESTS; i++) {
            requests.add(restRequest(f, world));
        }
        // a send with the clientMsgId of one in flight gets that one's answer (a retry), UNAVAILABLE from media included
        Set<String> sharedUnavailable = new HashSet<>();
        requests.stream().filter(r -> r.unavailable() && r.sendKey() != null).forEach(r -> sharedUnavailable.add(r.sendKey()));
        requests.replaceAll(r -> r.sendKey() != null && sharedUnavailable.contains(r.sendKey()) ? r.mayBeUnavailable() : r);
        RawRequests http = RawRequests.of(url.toString());
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (Request request : requests) {
            done.add(pool.submit(() -> {
                RawRequests.Answer answer = http.send(request.method(), request.target(), request.headers(), request.body());
                statuses.computeIfAbsent(answer.status(), s -> new AtomicInteger()).incrementAndGet();
                String problem = Fuzz.isUri(request.target())
                        ? ContractAnswers.restProblem(answer, request.unavailable())
                        : answer.status() == 400 ? null : "a request target that is no URI answered " + answer.status();
                if (problem != null) {
                    violations.add(problem + " for " + request.description() + " " + request.method() + " "
                            + ContractAnswers.abbreviate(request.target()) + " " + ContractAnswers.abbreviate(
                                    request.body() == null ? "" : new String(request.body(), StandardCharsets.UTF_8)));
                }
            }));
        }
        for (Future<?> future : done) {
            future.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();
        System.out.printf("FUZZ GatewayFuzzTest.rest: %d requests in %d ms, statuses %s, %d violations%n", requests.size(),
                (System.nanoTime() - started) / 1_000_000, new TreeMap<>(statuses), violations.size());
        assertThat(violations).as("seed %d (replay: -D%s=%d)", f.seed(), Fuzz.SEED_PROPERTY, f.seed()).isEmpty();
    }

    private Request restRequest(Fuzz f, FuzzShapes.World world) {
        String me = f.pick(world.users());
        FuzzShapes shapes = new FuzzShapes(f, world, me);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", authorization(f, me));
        String group = f.chance(0.7) ? world.group() : f.idLike();
        String conversation = "/v1/conversations/" + f.segment(f.pick("peer", "group", "room", f.nastyString())) + "/"
                + f.segment(f.chance(0.7) ? shapes.otherUser() : f.idLike());
        int kind = f.nextInt(15);
        String method;
        String target;
        ObjectNode body = null;
        boolean unavailable = false;
        String sendKey = null;
        switch (kind) {
            case 0, 1, 2, 3 -> {
                method = "POST";
                target = "/v1/messages";
                body = shapes.send();
            }
            case 4 -> {
                method = "POST";
                target = "/v1/groups";
                body = shapes.createGroup();
                unavailable = true; // a group id is claimed in history, which does not run here
            }
            case 5 -> {
                method = "GET";
                target = "/v1/groups/" + f.segment(group) + "/members";
            }
            case 6 -> {
                method = "POST";
                target = "/v1/groups/" + f.segment(group) + "/members";
                body = shapes.addMembers();
            }
            case 7 -> {
                method = "DELETE";
                target = "/v1/groups/" + f.segment(group) + "/members/" + f.segment(f.chance(0.5)
                        ? me
                        : shapes.otherUser());
            }
            case 8 -> {
                method = "GET";
                target = "/v1/conversations" + f.query("since", "cursor", "limit");
                unavailable = true;
            }
            case 9 -> {
                method = "GET";
                target = conversation + "/messages" + f.query("before", "after", "limit");
                unavailable = true;
            }
            case 10 -> {
                method = "POST";
                target = conversation + "/" + f.pick("read", "receipts", "messages");
                body = JsonNodeFactory.instance.objectNode().put("orderKey",
                        f.between(0, 100));
                unavailable = true;
            }
            case 11 -> {
                method = "GET";
                target = f.chance(0.5) ? conversation + "/receipts" + f.query("orderKey") : "/v1/search" + f.query("q");
                unavailable = true;
            }
            case 12 -> {
                method = "POST";
                target = "/v1/auth/token";
                body = shapes.devToken();
                headers.remove("Authorization");
            }
            case 13 -> {
                // the v1.1 group calls (roles, info, transfer, leave, my groups)
                String path = "/v1/groups/" + f.segment(group);
                switch (f.nextInt(5)) {
                    case 0 -> {
                        method = "PATCH";
                        target = path;
                        body = shapes.updateGroup();
                    }
                    case 1 -> {
                        method = "PATCH";
                        target = path + "/members/" + f.segment(f.chance(0.8) ? shapes.otherUser() : f.idLike());
                        body = JsonNodeFactory.instance.objectNode().put("role", f.pick("admin", "member", "owner",
                                f.nastyString()));
                    }
                    case 2 -> {
                        method = "POST";
                        target = path + "/owner";
                        body = JsonNodeFactory.instance.objectNode().put("userId", f.chance(0.8)
                                ? shapes.otherUser()
                                : f.idLike());
                    }
                    case 3 -> {
                        method = "POST";
                        target = path + "/leave";
                    }
                    default -> {
                        method = "GET";
                        target = f.chance(0.5) ? path : "/v1/groups";
                    }
                }
            }
            default -> {
                method = f.pick("PUT", "PATCH", "DELETE", "GET", "OPTIONS");
                target = f.pick("/v1/messages", "/v1/groups", "/v1/groups/" + f.segment(group), "/v1/nope",
                        "/v1/groups/" + f.segment(group) + "/members/" + f.segment(me) + "/x", "/v1/ws/x");
            }
        }
        String description = method + " " + kind;
        byte[] bytes = null;
        if (body != null) {
            String text;
            int roll = f.nextInt(10);
            if (roll < 3) {
                text = Fuzz.json(body);
                description += " valid";
            } else if (roll < 7) {
                Fuzz.Mutation m = f.mutate(body, FuzzShapes.ENUM_FIELDS);
                text = Fuzz.json(body);
                description += " " + m;
            } else if (roll < 9) {
                text = f.mutateText(Fuzz.json(body));
                description += " text-mutated";
            } else {
                text = f.notAnObject();
                description += " not an object";
            }
            // read from bytes, as the server reads a body: a leading BOM is skipped there too
            JsonNode tree = lenientTree(Fuzz.wireSafe(text).getBytes(StandardCharsets.UTF_8));
            unavailable |= kind <= 3 && FuzzShapes.namesMedia(tree);
            if (kind <= 3 && tree != null && tree.path("clientMsgId").isTextual()) {
                sendKey = me + '\n' + tree.path("clientMsgId").asText();
            }
            bytes = Fuzz.wireSafe(text).getBytes(StandardCharsets.UTF_8);
            if (f.chance(0.03)) {
                bytes = invalidUtf8(f, bytes);
                description += " invalid UTF-8";
            }
            headers.put("Content-Type", f.chance(0.85)
                    ? "application/json"
                    : f.pick("text/plain", "application/xml", "application/json; charset=utf-16", "multipart/form-data",
                            "*/*", "application/x-www-form-urlencoded", "garbage"));
        } else if (f.chance(0.1)) {
            bytes = f.notAnObject().getBytes(StandardCharsets.UTF_8);
        }
        if (f.chance(0.05)) {
            headers.put("Accept", f.pick("application/xml", "text/html", "*/*", "application/json;q=0"));
        }
        if (target.startsWith("/v1/conversations") || target.startsWith("/v1/search")) {
            unavailable = true;
        }
        return new Request(method, target, headers, bytes, unavailable, description, sendKey);
    }

    private static byte[] invalidUtf8(Fuzz f, byte[] bytes) {
        byte[] junk = f.pick(new byte[]{(byte) 0xC3, 0x28}, new byte[]{(byte) 0xFF}, new byte[]{(byte) 0xED, (byte) 0xA0,
                (byte) 0x80}, new byte[]{(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80});
        int at = bytes.length == 0 ? 0 : f.nextInt(bytes.length);
        byte[] out = new byte[bytes.length + junk.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(junk, 0, out, at, junk.length);
        System.arraycopy(bytes, at, out, at + junk.length, bytes.length - at);
        return out;
    }

    private static String authorization(Fuzz f, String me) {
        return Fuzz.cap(authorizationOf(f, me), 2000);
    }

    private static String authorizationOf(Fuzz f, String me) {
        return switch (f.nextInt(12)) {
            case 0 -> "";
            case 1 -> "Bearer " + Fuzz.headerSafe(f.nastyString());
            case 2 -> "Basic Zm9vOmJhcg==";
            case 3 -> "Bearer " + Tokens.sign(Tokens.DEV_SECRET, me, null, Duration.ofMinutes(-10), false);
            case 4 -> "bearer " + Tokens.user(me);
            case 5 -> "Bearer " + Fuzz.headerSafe(Tokens.sign(Tokens.DEV_SECRET, f.idLike(), f.chance(0.5)
                    ? f.nastyString()
                    : null, Duration.ofHours(1), false));
            case 6 -> "Bearer  " + Tokens.user(me) + " \u00e9";
            default -> "Bearer " + Tokens.user(me);
        };
    }
}
