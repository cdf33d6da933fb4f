package im.gateway;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import im.testkit.Fuzz;
import im.testkit.Tokens;

/**
 * Well-formed requests of the contract (PROTOCOL.md): every op of the WebSocket, every message type with its fields, and
 * the bodies of the gateway's REST API, drawn from a seeded {@link Fuzz}. The fuzz tests mutate them afterwards.
 */
final class FuzzShapes {
    /** Fields whose values are enums: mutations give them unknown values. */
    static final List<String> ENUM_FIELDS = List.of("op", "type", "kind", "priority");
    static final List<String> MESSAGE_TYPES = List.of("text", "command", "barrage", "image", "file", "audio", "video",
            "location", "combine", "custom", "tips");

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * Who and where: the fuzzing users (one per socket), a group they are all members of, rooms they may enter.
     *
     * @param users fuzzing users; each socket is one of them
     * @param group a group whose members are all {@code users}
     * @param rooms rooms the frames enter, leave and send to
     */
    record World(List<String> users, String group, List<String> rooms) {

        /** Names derived from the seed, so a replay generates the same frames. */
        static World of(long seed, int users) {
            String tag = Long.toHexString(seed & 0xFFFFFFL);
            List<String> names = IntStream.range(0, users).mapToObj(i -> "fz" + tag + "u" + i).toList();
            return new World(names, "fz" + tag + "g", List.of("fz" + tag + "ra", "fz" + tag + "rb"));
        }
    }

    private final Fuzz f;
    private final World world;
    private final String me;
    private int clientMsgIds;

    FuzzShapes(Fuzz f, World world, String me) {
        this.f = f;
        this.world = world;
        this.me = me;
    }

    /** A conversation: another fuzzing user, oneself, the group, a room; sometimes one the user has no part in. */
    ObjectNode to() {
        ObjectNode to = NODES.objectNode();
        switch (f.nextInt(10)) {
            case 0, 1, 2 -> to.put("type", "peer").put("id", otherUser());
            case 3 -> to.put("type", "peer").put("id", me);
            case 4, 5 -> to.put("type", "group").put("id", world.group());
            case 6 -> to.put("type", "group").put("id", "fzNoSuchGroup" + f.nextInt(5));
            case 7, 8 -> to.put("type", "room").put("id", f.pick(world.rooms()));
            default -> to.put("type", f.pick("peer", "group", "room")).put("id", f.idLike());
        }
        return to;
    }

    String otherUser() {
        String other = f.pick(world.users());
        return other.equals(me) ? "fzbob" : other;
    }

    private String someText() {
        return switch (f.nextInt(6)) {
            case 0 -> "hi " + f.plain(f.between(1, 30));
            case 1 -> "\u4f60\u597d \ud83d\ude00 " + f.plain(4);
            case 2 -> "multi\nline\ttext";
            default -> f.plain(f.between(1, 60));
        };
    }

    private String url(String name) {
        return "https://files.example/" + f.plain(6) + "/" + name;
    }

    /** A message of {@code type} with that type's fields (PROTOCOL.md, message types). */
    ObjectNode message(String type) {
        ObjectNode m = NODES.objectNode().put("type", type);
        switch (type) {
            case "text", "barrage" -> m.put("text", someText());
            case "command" -> m.put("data", f.chance(0.25)
                    ? f.base64Like()
                    : Base64.getEncoder().encodeToString(f.plain(f.between(0, 64)).getBytes()));
            case "image" -> {
                media(m, "a.png", "image/png");
                m.put("width", f.between(1, 4000)).put("height", f.between(1, 4000));
                if (f.chance(0.5)) {
                    m.put("thumbnailDownloadUrl", url("t.png")).put("largeImageDownloadUrl", url("l.png"));
                }
            }
            case "file" -> media(m, "a.pdf", "application/pdf");
            case "audio" -> {
                media(m, "a.mp3", "audio/mpeg");
                m.put("audioDuration", f.between(0, 300));
            }
            case "video" -> {
                media(m, "a.mp4", "video/mp4");
                m.put("videoDuration", f.between(0, 600));
                if (f.chance(0.5)) {
                    m.put("videoFirstFrameDownloadUrl", url("f.jpg"));
                }
            }
            case "location" -> m.put("latitude", f.random().nextDouble() * 180 - 90)
                    .put("longitude", f.random().nextDouble() * 360 - 180).put("address", someText())
                    .put("buildingName", f.plain(8));
            case "combine" -> {
                m.put("title", someText()).put("summary", someText());
                ArrayNode inner = m.putArray("messages");
                int count = f.between(1, 3);
                for (int i = 0; i < count; i++) {
                    inner.add(combined(f.chance(0.2) ? 2 : 0));
                }
            }
            case "custom" -> m.put("text", "{\"card\":" + f.nextInt(100) + "}").put("subType", f.between(0, 200))
                    .put("searchedContent", f.plain(f.between(0, 64)));
            case "tips" -> m.put("event", "membersJoined").put("operator", me).putArray("targets").add(otherUser());
            default -> throw new IllegalArgumentException(type);
        }
        if (f.chance(0.15)) {
            m.put("extendedData", "{\"k\":\"" + f.plain(f.between(0, 30)) + "\"}");
        }
        return m;
    }

    /** A message as a combine holds it: stamps and a type's fields, flat; {@code depth} more combines inside. */
    private ObjectNode combined(int depth) {
        ObjectNode m = depth > 0 ? message("combine") : message(f.pick("text", "image", "location", "custom"));
        if (depth > 1) {
            ((ArrayNode) m.get("messages")).add(combined(depth - 1));
        }
        m.put("messageId", UUID.nameUUIDFromBytes(f.plain(8).getBytes()).toString());
        m.putObject("sender").put("id", otherUser()).put("name", "Name " + f.plain(3));
        m.put("timestamp", 1_700_000_000_000L + f.nextInt(1_000_000));
        return m;
    }

    private void media(ObjectNode m, String fileName, String mime) {
        if (f.chance(0.2)) {
            m.put("mediaId", UUID.nameUUIDFromBytes(f.plain(8).getBytes()).toString());
        } else {
            m.put("fileDownloadUrl", url(fileName));
        }
        m.put("fileName", fileName).put("fileSize", f.between(0, 1_000_000)).put("mimeType", mime);
    }

    /** The fields of a send (the {@code send} op without op and id; the body of {@code POST /v1/messages}). */
    ObjectNode send() {
        ObjectNode to = to();
        String type = f.pick(MESSAGE_TYPES);
        if ("barrage".equals(type) && f.chance(0.8)) {
            to = NODES.objectNode().put("type", "room").put("id", f.pick(world.rooms()));
        }
        ObjectNode send = NODES.objectNode();
        send.set("to", to);
        send.set("message", message(type));
        if (f.chance(0.5)) {
            // a retry now and then: the same clientMsgId again
            send.put("clientMsgId", "c" + (f.chance(0.1) && clientMsgIds > 0 ? clientMsgIds : ++clientMsgIds));
        }
        if (f.chance(0.3)) {
            send.put("priority", f.pick("low", "medium", "high"));
        }
        if (f.chance(0.2)) {
            ObjectNode mentions = send.putObject("mentions");
            ArrayNode ids = mentions.putArray("userIds");
            int count = f.between(0, 3);
            for (int i = 0; i < count; i++) {
                ids.add(otherUser());
            }
            if (f.chance(0.5)) {
                mentions.put("all", f.chance(0.5));
            }
        }
        if ("command".equals(type) && "room".equals(to.path("type").asText()) && f.chance(0.3)) {
            send.putArray("toUserIds").add(otherUser()).add(me);
        }
        if (f.chance(0.2)) {
            send.put("receipt", f.chance(0.5));
        }
        return send;
    }

    /** A client frame of a random op with request id {@code id} (null: none). */
    ObjectNode frame(String id) {
        String op = f.pick("send", "send", "send", "send", "send", "enterRoom", "leaveRoom", "revoke", "receipt",
                "receipt", "renewToken", "ping", "ping");
        ObjectNode frame = NODES.objectNode().put("op", op);
        if (id != null) {
            frame.put("id", id);
        }
        switch (op) {
            case "send" -> frame.setAll(send());
            case "enterRoom", "leaveRoom" -> frame.put("roomId", f.chance(0.8) ? f.pick(world.rooms()) : f.idLike());
            case "revoke" -> frame.<ObjectNode>set("to", to()).put("messageId", f.chance(0.8)
                    ? UUID.nameUUIDFromBytes(f.plain(8).getBytes()).toString()
                    : f.idLike());
            case "receipt" -> frame.<ObjectNode>set("to", to()).put("orderKey", f.between(0, 10_000))
                    .put("kind", f.pick("delivered", "read"));
            case "renewToken" -> frame.put("token", switch (f.nextInt(5)) {
                case 0, 1 -> Tokens.user(me);
                case 2 -> Tokens.user(otherUser());
                case 3 -> Tokens.sign(Tokens.DEV_SECRET, me, null, Duration.ofMinutes(-10), false);
                default -> f.nastyString();
            });
            default -> {
                // ping: op and id only
            }
        }
        return frame;
    }

    /** Body of {@code POST /v1/groups}. */
    ObjectNode createGroup() {
        ObjectNode body = NODES.objectNode();
        if (f.chance(0.8)) {
            body.put("groupId", f.chance(0.7) ? "fzg" + f.plain(6) : f.idLike());
        }
        body.put("name", someText());
        ArrayNode members = body.putArray("members");
        int count = f.between(0, 3);
        for (int i = 0; i < count; i++) {
            members.add(f.chance(0.8) ? otherUser() : f.idLike());
        }
        return body;
    }

    /** Body of {@code POST /v1/groups/{id}/members}. */
    ObjectNode addMembers() {
        ObjectNode body = NODES.objectNode();
        ArrayNode ids = body.putArray("userIds");
        int count = f.between(1, 3);
        for (int i = 0; i < count; i++) {
            ids.add(f.chance(0.8) ? otherUser() : f.idLike());
        }
        return body;
    }

    /** Body of {@code PATCH /v1/groups/{id}}: some of name, notice, avatarUrl and attributes. */
    ObjectNode updateGroup() {
        ObjectNode body = NODES.objectNode();
        if (f.chance(0.4)) {
            body.put("name", someText());
        }
        if (f.chance(0.5)) {
            body.put("notice", someText());
        }
        if (f.chance(0.3)) {
            body.put("avatarUrl", f.chance(0.5) ? "https://img.example/" + f.plain(8) : someText());
        }
        if (f.chance(0.4)) {
            ObjectNode attributes = body.putObject("attributes");
            int count = f.between(0, 25);
            for (int i = 0; i < count; i++) {
                attributes.put(f.chance(0.8) ? "k" + f.plain(4) : f.nastyString(), someText());
            }
        }
        return body;
    }

    /** Body of the dev-only {@code POST /v1/auth/token}. */
    ObjectNode devToken() {
        ObjectNode body = NODES.objectNode().put("userId", f.chance(0.8) ? "fzdev" + f.plain(4) : f.idLike());
        if (f.chance(0.5)) {
            body.put("userName", someText());
        }
        if (f.chance(0.3)) {
            body.put("admin", f.chance(0.5));
        }
        return body;
    }

    /** Whether a request read as {@code tree} may meet an absent dependency: a media message naming a mediaId. */
    static boolean namesMedia(JsonNode tree) {
        return tree != null && tree.path("message").path("mediaId").isTextual();
    }
}
