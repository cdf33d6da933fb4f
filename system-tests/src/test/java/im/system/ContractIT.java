package im.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import javax.imageio.ImageIO;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import im.protocol.ClientFrame;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.RecordHeaders;
import im.protocol.ServerFrames.Ack;
import im.protocol.Topics;
import im.testkit.Tokens;
import im.testkit.TopicProbe;
import im.testkit.WsClient;

/**
 * The contract checks itself: every kind of action is driven through the packaged services, then every record of every
 * topic of {@link Topics} is read from the beginning and its value validated against the JSON Schema of its topic (dead
 * letters: their headers), with the {@code im-type} header matching what the value carries. Runs after the other system
 * tests ({@code junit-platform.properties}), so their records are checked too; records a test wrote itself, as a backend
 * would ({@link TopicProbe#WRITTEN_BY_TEST}), are not the services' and are skipped. A field that no schema declares
 * fails too: the schemas allow additions for newer producers, but must describe whatever the services write. Every
 * record the services write, tombstones and dead letters included, carries a W3C {@code traceparent}.
 */
@Order(Integer.MAX_VALUE)
class ContractIT {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final String SCHEMAS = "im/protocol/schema/";
    /** The schema of each topic's values; a topic added to {@link Topics} without one fails the test. */
    private static final Map<String, String> SCHEMA_OF = Map.of(
            Topics.MESSAGES_RELIABLE, "message-envelope.v1.json",
            Topics.MESSAGES_SIGNAL, "message-envelope.v1.json",
            Topics.MESSAGES_BARRAGE, "message-envelope.v1.json",
            Topics.DELIVERIES, "delivery.v1.json",
            Topics.PRESENCE, "presence.v1.json",
            Topics.MEMBERSHIP, "membership.v1.json",
            Topics.BROADCAST, "broadcast.v1.json",
            Topics.MEDIA, "media.v1.json",
            Topics.NOTIFICATIONS, "notification.v1.json",
            Topics.DLQ, "dlq.v1.json");
    /** Every field name the schemas declare: a record field outside it is one the contract does not describe. */
    private static final Set<String> DOCUMENTED = documentedFields();
    private static final String BOUNDARY = "im-contract-it-boundary";
    /** Every record the services write carries one (tombstones too). */
    private static final String TRACEPARENT = "00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]";

    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = Stack.get();
    }

    @Test
    void everyRecordTheServicesWrite_matchesTheSchemaOfItsTopic() throws Exception {
        assertThat(SCHEMA_OF.keySet()).as("every topic has a schema")
                .containsExactlyInAnyOrderElementsOf(Topics.specs(1, 1).stream().map(Topics.Spec::name).toList());
        Scenario scenario = driveEveryKindOfAction();

        Map<String, List<ConsumerRecord<String, byte[]>>> records = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).until(ContractIT::readAll, scenario::isComplete);

        List<String> problems = new ArrayList<>();
        Map<String, Integer> checked = new HashMap<>();
        for (Map.Entry<String, List<ConsumerRecord<String, byte[]>>> topic : records.entrySet()) {
            JsonSchema schema = FACTORY.getSchema(SchemaLocation.of("classpath:" + SCHEMAS + SCHEMA_OF.get(topic.getKey())));
            boolean deadLetters = topic.getKey().equals(Topics.DLQ);
            for (ConsumerRecord<String, byte[]> record : topic.getValue()) {
                boolean writtenByTest = record.headers().lastHeader(TopicProbe.WRITTEN_BY_TEST) != null;
                Header traceparent = record.headers().lastHeader(RecordHeaders.TRACEPARENT);
                if (!writtenByTest && (traceparent == null || traceparent.value() == null
                        || !new String(traceparent.value(), StandardCharsets.UTF_8).matches(TRACEPARENT))) {
                    problems.add(record.topic() + "-" + record.partition() + "@" + record.offset() + " key=" + record.key()
                            + ": no valid W3C " + RecordHeaders.TRACEPARENT + " header: " + headers(record));
                }
                if (!deadLetters && (record.value() == null || writtenByTest)) {
                    continue; // a tombstone ("null = gone" in the schemas), or a record a test wrote as a backend
                }
                problems.addAll(check(schema, record));
                checked.merge(topic.getKey(), 1, Integer::sum);
            }
        }
        assertThat(problems.subList(0, Math.min(problems.size(), 50))).as("%d problems in records that break the contract"
                + " (first 50 shown; %d records checked: %s)", problems.size(),
                checked.values().stream()
                        .mapToInt(Integer::intValue).sum(),
                checked).isEmpty();
        assertThat(checked.keySet()).as("every topic had records of the services to check")
                .containsExactlyInAnyOrderElementsOf(SCHEMA_OF.keySet());
    }

    /** What the scenario waits for on the topics before they are read in full: its own records of every kind. */
    private record Scenario(String peerKey, String revokedMessageId, String groupId, String roomKey, String mediaId,
            String poisonKey, String broadcastText, String kickedUser, String offlineUser) {
        boolean isComplete(Map<String, List<ConsumerRecord<String, byte[]>>> records) {
            List<JsonNode> reliable = values(records, Topics.MESSAGES_RELIABLE).stream()
                    .filter(v -> peerKey.equals(v.path("conversationKey").asText())).toList();
            List<JsonNode> deliveries = values(records, Topics.DELIVERIES).stream()
                    .filter(v -> peerKey.equals(v.path("conversationKey").asText())).toList();
            return reliable.stream().anyMatch(v -> "revoke".equals(v.at("/action/type").asText()))
                    && reliable.stream().filter(v -> "receipt".equals(v.at("/action/type").asText())).count() >= 2
                    && deliveries.stream().anyMatch(v -> revokedMessageId.equals(v.at("/revoked/messageId").asText()))
                    && deliveries.stream().anyMatch(v -> v.has("receipt"))
                    && reliable.stream().anyMatch(v -> "conversationChanged".equals(v.at("/action/type").asText()))
                    && reliable.stream().anyMatch(v -> "react".equals(v.at("/action/type").asText()))
                    && reliable.stream().anyMatch(v -> "edit".equals(v.at("/action/type").asText()))
                    && reliable.stream().anyMatch(v -> v.has("repliedTo"))
                    && deliveries.stream().anyMatch(v -> v.has("reactionsChanged"))
                    && deliveries.stream().anyMatch(v -> v.has("messageEdited"))
                    && deliveries.stream().anyMatch(v -> v.has("conversationChanged"))
                    && values(records, Topics.MEMBERSHIP).stream().anyMatch(v -> groupId.equals(v.path("groupId").asText()))
                    && values(records, Topics.MESSAGES_RELIABLE).stream()
                            .anyMatch(v -> ("group/" + groupId).equals(v.path("conversationKey").asText())
                                    && "membersRemoved".equals(v.at("/message/event").asText()))
                    && values(records, Topics.MEDIA).stream().anyMatch(v -> mediaId.equals(v.path("mediaId").asText()))
                    && values(records, Topics.BROADCAST).stream()
                            .anyMatch(v -> broadcastText.equals(v.at("/message/text").asText()))
                    && values(records, Topics.BROADCAST).stream().anyMatch(v -> "kick".equals(v.path("event").asText())
                            && kickedUser.equals(v.path("userId").asText()))
                    && values(records, Topics.MESSAGES_SIGNAL).stream()
                            .anyMatch(v -> roomKey.equals(v.path("conversationKey").asText()))
                    && values(records, Topics.MESSAGES_BARRAGE).stream()
                            .anyMatch(v -> roomKey.equals(v.path("conversationKey").asText()))
                    && !values(records, Topics.PRESENCE).isEmpty()
                    && values(records, Topics.PRESENCE).stream().anyMatch(v -> "status".equals(v.path("kind").asText()))
                    && values(records, Topics.NOTIFICATIONS).stream()
                            .anyMatch(v -> offlineUser.equals(v.path("userId").asText()))
                    && records.get(Topics.DLQ).stream().anyMatch(r -> poisonKey.equals(r.key()));
        }

        private static List<JsonNode> values(Map<String, List<ConsumerRecord<String, byte[]>>> records, String topic) {
            return records.get(topic).stream().filter(r -> r.value() != null)
                    .filter(r -> r.headers().lastHeader(TopicProbe.WRITTEN_BY_TEST) == null)
                    .map(r -> JsonCodec.tree(new String(r.value(), StandardCharsets.UTF_8))).toList();
        }
    }

    /**
     * Sends, receipts (op and read), a reply, a reaction and an edit (v1.1), a recall, a media message by mediaId, location and custom messages, a group with a
     * member removed (its tips messages), a room with barrage and a targeted command, an admin broadcast, an admin kick, a
     * custom status, a message to a user who is offline (a notification) and a poison record from a backend.
     */
    private static Scenario driveEveryKindOfAction() throws Exception {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        String carol = Stack.user("carol");
        String mediaId = upload(alice, png()).get("mediaId").asText();
        String groupId = "g" + UUID.randomUUID().toString().substring(0, 8);
        String room = "r" + UUID.randomUUID().toString().substring(0, 8);
        String revokedId;
        try (WsClient a = stack.connect(1, alice); WsClient b = stack.connect(2, bob); WsClient c = stack.connect(1, carol)) {
            stack.awaitPresence(bob, 1);
            Ack text = a.request(frame(Map.of("op", "send", "to", peer(bob), "clientMsgId", "contract-1", "priority", "high",
                    "receipt", true, "mentions", Map.of("userIds", List.of(bob), "all", false), "message",
                    Map.of("type", "text", "text", "hello", "extendedData", "{\"k\":1}"))));
            assertThat(text.isSuccess()).as(String.valueOf(text.error())).isTrue();
            a.sendRaw(JsonCodec.encode(Map.of("op", "setStatus", "id", "contract-status", "customStatus", "at work")));
            assertThat(WsClient.text(a.awaitFrame(f -> "contract-status".equals(WsClient.text(f, "id"))), "status"))
                    .isEqualTo("success");
            Message arrived = b.awaitMessages(1).get(0);
            assertThat(b.request(frame(Map.of("op", "receipt", "to", peer(alice), "orderKey", arrived.orderKey(), "kind",
                    "delivered"))).isSuccess()).isTrue();
            a.awaitOp("receipt");
            HttpResponse<String> read = Stack.post(stack.gateway(2) + "/v1/conversations/peer/" + alice + "/read",
                    Tokens.user(bob), Map.of("orderKey", arrived.orderKey()));
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);

            // v1.1 message features: a reply, a reaction and an edit, and what history writes for them
            Ack reply = b.request(frame(Map.of("op", "send", "to", peer(alice), "clientMsgId", "contract-reply", "message",
                    Map.of("type", "text", "text", "hi"), "repliedTo", Map.of("messageId", arrived.messageId()))));
            assertThat(reply.isSuccess()).as(String.valueOf(reply.error())).isTrue();
            b.sendRaw(JsonCodec.encode(Map.of("op", "react", "id", "contract-react", "to", peer(alice), "messageId",
                    arrived.messageId(), "reaction", "👍")));
            assertThat(WsClient.text(b.awaitFrame(f -> "contract-react".equals(WsClient.text(f, "id"))), "status"))
                    .isEqualTo("success");
            assertThat(a.request(frame(Map.of("op", "edit", "to", peer(bob), "messageId", arrived.messageId(), "message",
                    Map.of("type", "text", "text", "hello, edited")))).isSuccess()).isTrue();
            a.awaitOp("reactionsChanged");
            a.awaitOp("messageEdited");

            List<Map<String, Object>> contents = List.of(
                    Map.of("type", "image", "mediaId", mediaId),
                    Map.of("type", "location", "latitude", 52.52, "longitude", 13.40, "address", "Pariser Platz",
                            "buildingName", "Gate"),
                    Map.of("type", "custom", "text", "{\"card\":1}", "subType", 7, "searchedContent", "card"),
                    Map.of("type", "file", "fileDownloadUrl", "https://files.example/report.pdf", "fileName", "report.pdf",
                            "fileSize", 1234, "mimeType", "application/pdf"));
            for (Map<String, Object> content : contents) {
                Ack ack = a.request(frame(Map.of("op", "send", "to", peer(bob), "clientMsgId", UUID.randomUUID().toString(),
                        "message", content)));
                assertThat(ack.isSuccess()).as(content + ": " + ack.error()).isTrue();
            }
            revokedId = a.request(frame(Map.of("op", "send", "to", peer(bob), "message", Map.of("type", "text", "text",
                    "oops")))).messageId();
            b.awaitMessages(6);
            Ack revoke = a.request(frame(Map.of("op", "revoke", "to", peer(bob), "messageId", revokedId)));
            assertThat(revoke.isSuccess()).as(String.valueOf(revoke.error())).isTrue();
            b.awaitOp("revoked");

            HttpResponse<String> created = Stack.post(stack.gateway(1) + "/v1/groups", Tokens.user(alice),
                    Map.of("groupId", groupId, "name", "Contract", "members", List.of(bob, carol)));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            stack.awaitRouting("/v1/routing/groups/" + groupId + "/members", members -> members.size() == 3);
            assertThat(a.request(frame(Map.of("op", "send", "to", Map.of("type", "group", "id", groupId), "message",
                    Map.of("type", "text", "text", "hi all"), "mentions", Map.of("all", true)))).isSuccess()).isTrue();
            c.awaitMessages(1);
            HttpResponse<String> removed = Stack.HTTP.send(HttpRequest.newBuilder(URI.create(stack.gateway(1) + "/v1/groups/"
                    + groupId + "/members/" + carol)).header("Authorization", "Bearer " + Tokens.user(alice)).DELETE()
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(removed.statusCode()).as(removed.body()).isBetween(200, 204);

            for (WsClient ws : List.of(a, b)) {
                assertThat(ws.request(ClientFrame.room(ClientFrame.ENTER_ROOM, null, room)).isSuccess()).isTrue();
            }
            stack.awaitInRoom(room, bob);
            Map<String, Object> inRoom = Map.of("type", "room", "id", room);
            assertThat(a.request(frame(Map.of("op", "send", "to", inRoom, "message", Map.of("type", "barrage", "text",
                    "wow")))).isSuccess()).isTrue();
            String data = Base64.getEncoder().encodeToString("{\"mute\":true}".getBytes(StandardCharsets.UTF_8));
            assertThat(a.request(frame(Map.of("op", "send", "to", inRoom, "toUserIds", List.of(bob), "message",
                    Map.of("type", "command", "data", data)))).isSuccess()).isTrue();
            b.awaitMessages(8);
        }

        String broadcastText = "contract check " + UUID.randomUUID();
        HttpResponse<String> broadcast = Stack.post(stack.service("push").baseUrl() + "/v1/admin/broadcasts",
                Tokens.admin("ops"), Map.of("message", Map.of("type", "text", "text", broadcastText), "priority", "high"));
        assertThat(broadcast.statusCode()).as(broadcast.body()).isEqualTo(200);
        String kicked = Stack.user("dave");
        HttpResponse<String> kick = Stack.post(stack.service("push").baseUrl() + "/v1/admin/users/" + kicked + "/kick",
                Tokens.admin("ops"), Map.of());
        assertThat(kick.statusCode()).as(kick.body()).isEqualTo(200);

        // a message to a user who never connected: history notifies them on im.notifications
        String offline = Stack.user("erin");
        HttpResponse<String> toOffline = Stack.post(stack.gateway(1) + "/v1/messages", Tokens.user(alice),
                Map.of("to", peer(offline), "clientMsgId", "contract-offline", "message", Map.of("type", "text", "text",
                        "are you there?")));
        assertThat(toOffline.statusCode()).as(toOffline.body()).isEqualTo(200);

        String poisonKey = ConversationKey.of("billing", new ConversationRef(ConversationType.PEER, alice)).value();
        TopicProbe.produce(stack.kafka.bootstrapServers(),
                new ProducerRecord<>(Topics.MESSAGES_RELIABLE, poisonKey, "{\"v\":1,\"not\":\"an envelope\"}"));
        return new Scenario(ConversationKey.of(alice, new ConversationRef(ConversationType.PEER, bob)).value(), revokedId,
                groupId, "room/" + room, mediaId, poisonKey, broadcastText, kicked, offline);
    }

    /** The schema's messages for one record, with the record, or a header that does not match its value. */
    private static List<String> check(JsonSchema schema, ConsumerRecord<String, byte[]> record) {
        String where = record.topic() + "-" + record.partition() + "@" + record.offset() + " key=" + record.key()
                + " headers=" + headers(record) + " value=" + (record.value() == null
                        ? null
                        : new String(record.value(), StandardCharsets.UTF_8));
        JsonNode value;
        if (record.topic().equals(Topics.DLQ)) {
            value = headers(record);
        } else {
            try {
                value = JsonCodec.mapper().readTree(record.value());
            } catch (IOException e) {
                return List.of(where + ": not JSON: " + e.getMessage());
            }
        }
        List<String> problems = new ArrayList<>();
        Set<ValidationMessage> messages = schema.validate(value);
        if (!messages.isEmpty()) {
            problems.add(where + ": " + messages.stream().map(ValidationMessage::toString).collect(Collectors.joining("; ")));
        }
        if (!record.topic().equals(Topics.DLQ)) {
            Set<String> undocumented = new TreeSet<>();
            collectUndocumented(value, undocumented);
            if (!undocumented.isEmpty()) {
                problems.add(where + ": fields no schema documents: " + undocumented);
            }
        }
        // an action's type, an event's name (a kick on im.broadcast, a withdrawal on im.media), else the message's type
        String kind = value.has("action")
                ? value.at("/action/type").asText()
                : value.has("event") ? value.get("event").asText() : value.at("/message/type").asText();
        Header type = record.headers().lastHeader(RecordHeaders.TYPE);
        boolean typed = record.topic().startsWith("im.messages.") || record.topic().equals(Topics.BROADCAST);
        if (typed && (type == null || !kind.equals(new String(type.value(), StandardCharsets.UTF_8)))) {
            problems.add(where + ": header " + RecordHeaders.TYPE + " must be " + kind);
        }
        return problems;
    }

    /** Field names of {@code node} (at any depth) that no schema declares under {@code properties}. */
    private static void collectUndocumented(JsonNode node, Set<String> undocumented) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                if (!DOCUMENTED.contains(field.getKey())) {
                    undocumented.add(field.getKey());
                }
                collectUndocumented(field.getValue(), undocumented);
            });
        } else if (node.isArray()) {
            node.forEach(element -> collectUndocumented(element, undocumented));
        }
    }

    private static Set<String> documentedFields() {
        Set<String> names = new HashSet<>();
        Set<String> files = new TreeSet<>(SCHEMA_OF.values());
        files.addAll(List.of("common.v1.json", "message-content.v1.json"));
        for (String file : files) {
            try (InputStream in = ContractIT.class.getClassLoader().getResourceAsStream(SCHEMAS + file)) {
                collectDeclared(JsonCodec.mapper().readTree(in), names);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return names;
    }

    private static void collectDeclared(JsonNode schema, Set<String> names) {
        if (schema.isObject()) {
            JsonNode properties = schema.get("properties");
            if (properties != null && properties.isObject()) {
                properties.fieldNames().forEachRemaining(names::add);
            }
            schema.forEach(child -> collectDeclared(child, names));
        } else if (schema.isArray()) {
            schema.forEach(child -> collectDeclared(child, names));
        }
    }

    private static ObjectNode headers(ConsumerRecord<String, byte[]> record) {
        ObjectNode headers = JsonCodec.mapper().createObjectNode();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    /** Every record of every topic, from the beginning to the end offsets of the moment. */
    private static Map<String, List<ConsumerRecord<String, byte[]>>> readAll() {
        Map<String, List<ConsumerRecord<String, byte[]>>> all = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.kafka.bootstrapServers(), ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : SCHEMA_OF.keySet()) {
                all.put(topic, new ArrayList<>());
                consumer.partitionsFor(topic, Duration.ofSeconds(10))
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            Set<TopicPartition> open = new HashSet<>(partitions);
            open.removeIf(p -> consumer.position(p) >= end.get(p));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!open.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() < end.get(partition)) {
                        all.get(record.topic()).add(record);
                    }
                }
                for (Iterator<TopicPartition> it = open.iterator(); it.hasNext();) {
                    TopicPartition p = it.next();
                    if (consumer.position(p) >= end.get(p)) {
                        it.remove();
                    }
                }
            }
            assertThat(new TreeSet<>(open.stream().map(TopicPartition::toString).toList())).as("partitions not read to the end")
                    .isEmpty();
        }
        return all;
    }

    private static Map<String, Object> peer(String id) {
        return Map.of("type", "peer", "id", id);
    }

    private static ClientFrame frame(Map<String, Object> fields) {
        return JsonCodec.decode(JsonCodec.encode(fields), ClientFrame.class);
    }

    private static JsonNode upload(String userId, byte[] content) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nimage\r\n--" + BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dot.png\"\r\nContent-Type: "
                + "application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = Stack.HTTP.send(HttpRequest.newBuilder(URI.create(stack.gateway(1) + "/v1/media"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .header("Authorization", "Bearer " + Tokens.user(userId))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JsonCodec.tree(response.body());
    }

    private static byte[] png() throws IOException {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        image.setRGB(3, 4, Color.ORANGE.getRGB());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
