package im.gateway;

import static im.gateway.GatewayTestSupport.send;
import static im.gateway.GatewayTestSupport.sendText;
import static im.gateway.GatewayTestSupport.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

import im.protocol.ClientFrame;
import im.protocol.CloseCode;
import im.protocol.ConversationChanged;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Delivery;
import im.protocol.Envelope;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.Presence;
import im.protocol.Priority;
import im.protocol.RecordHeaders;
import im.protocol.SendRequest;
import im.protocol.Sender;
import im.protocol.ServerFrames.Ack;
import im.protocol.Topics;
import im.protocol.UserKick;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.Tokens;
import im.testkit.TopicProbe;
import im.testkit.WsClient;

/** The gateway's WebSocket against a real Kafka broker: acks, records, refusals, tokens, and pushing deliveries. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
class GatewayWebSocketTest {

    @TestHTTPResource("/")
    URL url;

    private String kafka() {
        return EmbeddedKafka.shared().bootstrapServers();
    }

    private WsClient connect(String userId) {
        return WsClient.connect(url.toString(), Tokens.user(userId));
    }

    @Test
    void send_producesKeyedRecord_andAcksWithItsOffset() {
        String alice = uniqueUser("alice");
        String bob = uniqueUser("bob");
        try (TopicProbe probe = TopicProbe.fromEnd(kafka(), Topics.MESSAGES_RELIABLE); WsClient ws = connect(alice)) {
            Ack first = ws.request(sendText(ConversationType.PEER, bob, "hello", "c1"));
            Ack second = ws.request(sendText(ConversationType.PEER, bob, "again", "c2"));

            assertThat(first.isSuccess()).isTrue();
            assertThat(second.orderKey()).isGreaterThan(first.orderKey());
            assertThat(MessageIds.timestampOf(second.messageId())).isGreaterThanOrEqualTo(first.timestamp());
            ConsumerRecord<String, String> record = probe.await(r -> r.value().contains(first.messageId()));
            String expectedKey = alice.compareTo(bob) < 0 ? "peer/" + alice + "," + bob : "peer/" + bob + "," + alice;
            assertThat(record.key()).isEqualTo(expectedKey);
            assertThat(record.offset()).isEqualTo(first.orderKey());
            assertThat(new String(record.headers().lastHeader("im-type").value(), StandardCharsets.UTF_8)).isEqualTo("text");
            Envelope envelope = JsonCodec.decode(record.value(), Envelope.class);
            assertThat(envelope.sender().id()).isEqualTo(alice);
            assertThat(envelope.message().text()).isEqualTo("hello");
            assertThat(envelope.origin().nodeId()).isEqualTo("gw-test");
        }
    }

    @Test
    void sessionsAndOutboundQueues_areGauges() {
        try (WsClient ws = connect(uniqueUser("gauged"))) {
            ws.awaitOp("session");
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                String metrics = RestAssured.get(url + "q/metrics").then().statusCode(200).extract().asString();
                assertThat(gauge(metrics, "im_gateway_sessions")).isGreaterThanOrEqualTo(1);
                assertThat(gauge(metrics, "im_gateway_outbound_queued")).isGreaterThanOrEqualTo(0);
            });
        }
    }

    private static double gauge(String metrics, String name) {
        return metrics.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    }

    @Test
    void logout_isAcked_closesWith1000_andTheUserIsOfflineAtOnce() {
        String user = uniqueUser("leaver");
        String key = Presence.userKey(user, "gw-test");
        try (TopicProbe presence = TopicProbe.fromEnd(kafka(), Topics.PRESENCE); WsClient ws = connect(user)) {
            ws.awaitOp("session");
            presence.await(r -> key.equals(r.key()) && r.value() != null);
            long before = System.nanoTime();

            Ack ack = ws.request(ClientFrame.simple(ClientFrame.LOGOUT, "bye", null));

            assertThat(ack.isSuccess()).isTrue();
            assertThat(ws.awaitClosed()).isEqualTo(CloseCode.NORMAL.code());
            presence.await(r -> key.equals(r.key()) && r.value() == null);
            // the tombstone came from the logout, not from the end of the offline grace (10 s in tests)
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void aDroppedSession_keepsTheUserOnline_throughTheGrace_andAReconnectWithinItNeverLooksOffline() {
        String user = uniqueUser("flaky");
        String key = Presence.userKey(user, "gw-test");
        try (TopicProbe presence = TopicProbe.fromEnd(kafka(), Topics.PRESENCE)) {
            WsClient first = connect(user);
            first.awaitOp("session");
            presence.await(r -> key.equals(r.key()) && r.value() != null);
            long dropped = System.nanoTime();
            first.close(); // closed without logout: the app may come back
            try (WsClient second = connect(user)) {
                second.awaitOp("session");
                Ack ack = second.request(ClientFrame.simple(ClientFrame.LOGOUT, "bye", null));
                assertThat(ack.isSuccess()).isTrue();
            }
            presence.await(r -> key.equals(r.key()) && r.value() == null);
            assertThat(Duration.ofNanos(System.nanoTime() - dropped)).as("all within the grace (10 s in tests)")
                    .isLessThan(Duration.ofSeconds(10));
            // the user's records: online, online again (and the heartbeat's re-assertions), then the logout's tombstone:
            // never offline in between
            List<Boolean> online = presence.drain().stream().filter(r -> key.equals(r.key())).map(r -> r.value() != null)
                    .toList();
            assertThat(online).hasSizeGreaterThanOrEqualTo(3).endsWith(false);
            assertThat(online.subList(0, online.size() - 1)).containsOnly(true);
        }
        String other = uniqueUser("gone");
        String otherKey = Presence.userKey(other, "gw-test");
        try (TopicProbe presence = TopicProbe.fromEnd(kafka(), Topics.PRESENCE)) {
            WsClient ws = connect(other);
            ws.awaitOp("session");
            presence.await(r -> otherKey.equals(r.key()) && r.value() != null);
            long dropped = System.nanoTime();
            ws.close();
            presence.await(r -> otherKey.equals(r.key()) && r.value() == null);
            assertThat(Duration.ofNanos(System.nanoTime() - dropped)).as("offline once the grace is over")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(10));
        }
    }

    @Test
    void queryToken_isAccepted_andPingAnswersPong() {
        try (WsClient ws = WsClient.connectWithQueryToken(url.toString(), Tokens.user(uniqueUser("browser")))) {
            String id = ws.send(ClientFrame.simple(ClientFrame.PING, "p1", null));
            JsonNode pong = ws.awaitOp("pong");
            assertThat(WsClient.text(pong, "id")).isEqualTo(id);
        }
    }

    @Test
    void retryWithSameClientMsgId_isOneRecord_withTheFirstAck() {
        String alice = uniqueUser("alice");
        try (TopicProbe probe = TopicProbe.fromEnd(kafka(), Topics.MESSAGES_RELIABLE); WsClient ws = connect(alice)) {
            Ack first = ws.request(sendText(ConversationType.PEER, "bob", "once", "same-id"));
            // after the ack: answered from the node's memory of acked sends
            Ack retry = ws.request(sendText(ConversationType.PEER, "bob", "once", "same-id"));
            // while the first is written: the retries wait for its ack
            String writing = ws.send(sendText(ConversationType.PEER, "bob", "twice", "in-flight-id"));
            String retried = ws.send(sendText(ConversationType.PEER, "bob", "twice", "in-flight-id"));
            Ack other = ws.request(sendText(ConversationType.PEER, "bob", "next", "other-id"));
            Ack written = ack(ws, writing);
            Ack retriedWhileWritten = ack(ws, retried);

            assertThat(retry.isSuccess()).isTrue();
            assertThat(retry.messageId()).isEqualTo(first.messageId());
            assertThat(retry.orderKey()).isEqualTo(first.orderKey());
            assertThat(retry.timestamp()).isEqualTo(first.timestamp());
            assertThat(retriedWhileWritten.isSuccess()).isTrue();
            assertThat(retriedWhileWritten.messageId()).isEqualTo(written.messageId());
            assertThat(retriedWhileWritten.orderKey()).isEqualTo(written.orderKey());
            probe.await(r -> r.value().contains(other.messageId()));
            assertThat(probe.drain()).filteredOn(r -> r.value().contains(alice)).hasSize(3);
        }
    }

    private static Ack ack(WsClient ws, String requestId) {
        return JsonCodec.mapper().convertValue(
                ws.awaitFrame(f -> "ack".equals(WsClient.text(f, "op")) && requestId.equals(WsClient.text(f, "id"))),
                Ack.class);
    }

    @Test
    void refusals_answerTheirCatalogueCodes() {
        String alice = uniqueUser("alice");
        try (WsClient ws = connect(alice)) {
            assertThat(code(ws.request(sendText(ConversationType.PEER, alice, "me", null))))
                    .isEqualTo(ErrorCode.SEND_TO_SELF);
            assertThat(code(ws.request(sendText(ConversationType.PEER, "bob", "x".repeat(32 * 1024 + 1), null))))
                    .isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
            assertThat(code(ws.request(sendText(ConversationType.PEER, "bad id", "hi", null))))
                    .isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(code(ws.request(sendText(ConversationType.GROUP, "no-such-group", "hi", null))))
                    .isEqualTo(ErrorCode.NOT_A_MEMBER);
            assertThat(code(ws.request(sendText(ConversationType.ROOM, "not-entered", "hi", null))))
                    .isEqualTo(ErrorCode.NOT_A_MEMBER);
            assertThat(code(ws.request(send(ConversationType.PEER, "bob", MessageContent.barrage("b"), null))))
                    .isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(code(ws.request(new ClientFrame("fly", null, null, null, null, null, null, null, null, null, null,
                    null, null, null)))).isEqualTo(ErrorCode.INVALID_REQUEST);

            String id = "unknown-type";
            ws.sendRaw("{\"op\":\"send\",\"id\":\"" + id + "\",\"to\":{\"type\":\"peer\",\"id\":\"bob\"},"
                    + "\"message\":{\"type\":\"sticker\"}}");
            JsonNode refused = ws.awaitFrame(f -> "ack".equals(WsClient.text(f, "op")) && id.equals(WsClient.text(f, "id")));
            assertThat(refused.get("error").get("code").asText()).isEqualTo("INVALID_REQUEST");
            assertThat(refused.get("error").get("message").asText()).contains("message type");
            assertThat(refused.toString()).doesNotContain("Exception", "at im.", "at com.");

            ws.sendRaw("{not json");
            assertThat(ws.awaitFrame(f -> "error".equals(WsClient.text(f, "op")) && f.toString().contains("malformed"))
                    .get("error").get("code").asText()).isEqualTo("INVALID_REQUEST");
        }
    }

    @Test
    void moreThanTenPerSecond_isRateLimited_butBarrageIsNot() {
        String alice = uniqueUser("fast");
        try (WsClient ws = connect(alice)) {
            ws.request(ClientFrame.room(ClientFrame.ENTER_ROOM, null, "rate-room"));
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                ids.add(ws.send(sendText(ConversationType.PEER, "bob", "m" + i, null)));
            }
            List<String> barrageIds = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                barrageIds.add(ws.send(send(ConversationType.ROOM, "rate-room", MessageContent.barrage("b" + i), null)));
            }
            List<String> codes = ids.stream().map(id -> ackCode(ws, id)).toList();
            assertThat(codes).contains("RATE_LIMITED");
            assertThat(codes.stream().filter("success"::equals).count()).isBetween(10L, 29L);
            assertThat(barrageIds.stream().map(id -> ackCode(ws, id))).containsOnly("success");
        }
    }

    @Test
    void badAndExpiredTokens_areRefusedWithTheirCodes() {
        try (WsClient ws = WsClient.connect(url.toString(), "not-a-token")) {
            assertThat(ws.awaitClosed()).isEqualTo(4401);
            assertThat(ws.frames().get(0).get("error").get("code").asText()).isEqualTo("UNAUTHORIZED");
        }
        String expired = Tokens.sign(Tokens.DEV_SECRET, "late", null, Duration.ofMinutes(-5), false);
        try (WsClient ws = WsClient.connect(url.toString(), expired)) {
            assertThat(ws.awaitClosed()).isEqualTo(4401);
            assertThat(ws.frames().get(0).get("error").get("code").asText()).isEqualTo("TOKEN_EXPIRED");
        }
        String wrongSecret = Tokens.sign("another-secret-another-secret-another-secret", "x", null, Duration.ofHours(1),
                false);
        try (WsClient ws = WsClient.connect(url.toString(), wrongSecret)) {
            assertThat(ws.awaitClosed()).isEqualTo(4401);
        }
    }

    @Test
    void tokenWillExpire_isSent_renewKeepsTheSession_andExpiryCloses() {
        String user = uniqueUser("renew");
        String shortToken = Tokens.sign(Tokens.DEV_SECRET, user, null, Duration.ofSeconds(32), false);
        try (WsClient ws = WsClient.connect(url.toString(), shortToken)) {
            JsonNode warning = ws.awaitOp("tokenWillExpire");
            assertThat(warning.get("secondsLeft").asLong()).isBetween(0L, 32L);
            Ack renewed = ws.request(ClientFrame.simple(ClientFrame.RENEW_TOKEN, null, Tokens.user(user)));
            assertThat(renewed.isSuccess()).isTrue();
            Ack other = ws.request(ClientFrame.simple(ClientFrame.RENEW_TOKEN, null, Tokens.user("someone-else")));
            assertThat(other.error().code()).isEqualTo("FORBIDDEN");
        }
        String expiring = Tokens.sign(Tokens.DEV_SECRET, user, null, Duration.ofSeconds(2), false);
        try (WsClient ws = WsClient.connect(url.toString(), expiring)) {
            assertThat(ws.awaitClosed()).isEqualTo(4401);
            assertThat(ws.frames()).anyMatch(f -> "closing".equals(WsClient.text(f, "op"))
                    && "TOKEN_EXPIRED".equals(WsClient.text(f, "reason")));
        }
    }

    @Test
    void deliveriesForThisNodesSlot_arePushedToTheRightSessions() {
        String bob = uniqueUser("bob");
        String carol = uniqueUser("carol");
        try (WsClient bobWs = connect(bob); WsClient carolWs = connect(carol)) {
            ready(bobWs);
            ready(carolWs);
            Message message = new Message(MessageIds.next(System.currentTimeMillis()), "c", 7L, 3L, new Sender("alice", null),
                    System.currentTimeMillis(), Priority.LOW, null, null, MessageContent.text("pushed"));
            String key = "peer/alice," + bob;
            Delivery delivery = new Delivery(1, "gw-test", key, List.of(bob), null, null, message);
            // the node's consumer seeks to the end when it starts: write until it is reading
            untilTrue(() -> TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.DELIVERIES, 5, "gw-test",
                    JsonCodec.encode(delivery))), () -> !bobWs.messages().isEmpty());

            Message received = bobWs.awaitMessages(1).get(0);
            assertThat(received.content().text()).isEqualTo("pushed");
            assertThat(received.orderKey()).isEqualTo(7L);
            JsonNode frame = bobWs.awaitOp("messages");
            assertThat(frame.get("conversation").get("id").asText()).isEqualTo("alice");
            assertThat(carolWs.messages()).isEmpty();
        }
    }

    @Test
    void aReplay_reachesASessionTheFirstDeliveryDidNotName_andNotOneThatHadIt() {
        String bob = uniqueUser("bob");
        String carol = uniqueUser("carol");
        try (WsClient bobWs = connect(bob); WsClient carolWs = connect(carol)) {
            ready(bobWs);
            ready(carolWs);
            String key = "group/replays-" + bob;
            Function<String, Message> message = text -> new Message(MessageIds.next(System.currentTimeMillis()), "c-" + text,
                    7L, null, new Sender("alice", null), System.currentTimeMillis(), Priority.LOW, null, null,
                    MessageContent.text(text));
            Function<Delivery, ProducerRecord<String, String>> record = delivery -> new ProducerRecord<>(Topics.DELIVERIES,
                    5, "gw-test", JsonCodec.encode(delivery));
            untilTrue(() -> TopicProbe.produce(kafka(), record.apply(new Delivery(1, "gw-test", key, List.of(carol), null,
                    null, message.apply("first")))), () -> !carolWs.messages().isEmpty());
            TopicProbe.produce(kafka(), record.apply(new Delivery(1, "gw-test", key, List.of(carol), null, null,
                    message.apply("second"))));
            // routing did not know of bob's session yet: the message goes to carol only, two offsets after both registered
            Message late = message.apply("while routing had not seen bob");
            TopicProbe.produce(kafka(), record.apply(new Delivery(1, "gw-test", key, List.of(carol), null, null, late)));
            // bob's presence reached routing: it replays the message to him (and, had carol just connected, to her)
            TopicProbe.produce(kafka(), record.apply(new Delivery(1, "gw-test", key, List.of(bob), null, null, late, null,
                    null, true)));
            TopicProbe.produce(kafka(), record.apply(new Delivery(1, "gw-test", key, List.of(carol), null, null, late, null,
                    null, true)));
            TopicProbe.produce(kafka(), record.apply(new Delivery(1, "gw-test", key, List.of(bob, carol), null, null,
                    message.apply("marker"))));

            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> bobWs.messages().stream()
                    .anyMatch(m -> "marker".equals(m.content().text())));
            assertThat(bobWs.messages()).extracting(m -> m.content().text())
                    .containsExactly("while routing had not seen bob", "marker");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> carolWs.messages().stream()
                    .anyMatch(m -> "marker".equals(m.content().text())));
            assertThat(carolWs.messages()).extracting(m -> m.content().text())
                    .containsExactly("first", "second", "while routing had not seen bob", "marker");
        }
    }

    @Test
    void conversationChangedDeliveries_reachEverySessionOfTheUser_withTheTotal_andBrokenOnesAreDeadLettered() {
        String bob = uniqueUser("bob");
        String key = "peer/alice," + bob;
        Message last = new Message(MessageIds.next(System.currentTimeMillis()), "c", 7L, null, new Sender("alice", null),
                System.currentTimeMillis(), Priority.LOW, null, null, MessageContent.text("newest"));
        ConversationChanged.Mention mention = new ConversationChanged.Mention(last.messageId(), 7, "alice", true);
        String valid = JsonCodec.encode(new Delivery(1, "gw-test", key, List.of(bob), null, null, null, null, null, null,
                new Delivery.ConversationState(last, 42L, 3, List.of(mention), 11L)));
        try (WsClient phone = connect(bob);
                WsClient laptop = connect(bob);
                TopicProbe dlq = TopicProbe.fromEnd(kafka(), Topics.DLQ)) {
            ready(phone);
            ready(laptop);
            untilTrue(() -> TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.DELIVERIES, 5, "gw-test", valid)),
                    () -> phone.frames().stream().anyMatch(f -> "totalUnreadChanged".equals(WsClient.text(f, "op"))));
            for (WsClient ws : List.of(phone, laptop)) {
                JsonNode changed = ws.awaitOp("conversationChanged");
                assertThat(changed.at("/conversation/id").asText()).isEqualTo("alice");
                assertThat(changed.at("/conversation/type").asText()).isEqualTo("peer");
                assertThat(changed.at("/lastMessage/text").asText()).isEqualTo("newest");
                assertThat(changed.get("unreadCount").asInt()).isEqualTo(3);
                assertThat(changed.at("/mentions/0/messageId").asText()).isEqualTo(last.messageId());
                assertThat(changed.get("updatedAt").asLong()).isEqualTo(42L);
                assertThat(changed.has("removed")).isFalse();
                assertThat(ws.awaitOp("totalUnreadChanged").get("totalUnreadCount").asInt()).isEqualTo(11);
            }

            List<String> poison = List.of(valid.replace("\"newest\"", "\"a\\u0000\""),
                    valid.replace("[\"" + bob + "\"]", "[\"" + bob + "\",\"carol\"]"),
                    valid.replace("\"unreadCount\":3", "\"unreadCount\":-3"),
                    valid.replace("\"mentions\":[{", "\"mentions\":[null,{"));
            List<Long> offsets = new ArrayList<>();
            for (String value : poison) {
                offsets.add(TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.DELIVERIES, 5, "gw-test", value)).offset());
            }
            TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.DELIVERIES, 5, "gw-test", JsonCodec.encode(new Delivery(1,
                    "gw-test", key, List.of(bob), null, null, null, null, null, null,
                    new Delivery.ConversationState(null, 43L, 0, List.of(), null, true)))));
            JsonNode removed = phone.awaitFrame(f -> f.path("removed").asBoolean());
            assertThat(removed.has("lastMessage")).isFalse();
            for (long offset : offsets) {
                dlq.await(r -> String.valueOf(offset).equals(headerOf(r, RecordHeaders.ORIGIN_OFFSET))
                        && Topics.DELIVERIES.equals(headerOf(r, RecordHeaders.ORIGIN_TOPIC)));
            }
            assertThat(phone.frames().stream().filter(f -> "conversationChanged".equals(WsClient.text(f, "op"))))
                    .as("the valid one and the removal, nothing of the broken ones")
                    .allMatch(f -> f.path("removed").asBoolean() || (f.get("unreadCount").asInt() == 3
                            && f.at("/lastMessage/text").asText().equals("newest") && f.get("mentions").size() == 1));
        }
    }

    private static String headerOf(ConsumerRecord<String, String> record, String name) {
        return record.headers().lastHeader(name) == null
                ? null
                : new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void anUnreadableDelivery_goesToTheDeadLetterTopic_andTheNextOneIsPushed() {
        String bob = uniqueUser("bob");
        try (WsClient bobWs = connect(bob);
                TopicProbe dlq = TopicProbe.fromEnd(kafka(), Topics.DLQ)) {
            ready(bobWs);
            untilTrue(() -> TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.DELIVERIES, 5, "gw-test", "{broken")),
                    () -> dlq.drain().stream().anyMatch(r -> "{broken".equals(r.value())
                            && r.headers().lastHeader(RecordHeaders.ERROR) != null));
            Message message = new Message(MessageIds.next(System.currentTimeMillis()), "c", 9L, null, new Sender("alice", null),
                    System.currentTimeMillis(), Priority.LOW, null, null, MessageContent.text("after the broken one"));
            TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.DELIVERIES, 5, "gw-test", JsonCodec.encode(
                    new Delivery(1, "gw-test", "peer/alice," + bob, List.of(bob), null, null, message))));

            assertThat(bobWs.awaitMessages(1).get(0).content().text()).isEqualTo("after the broken one");
        }
    }

    @Test
    void broadcastRecords_reachEverySession() {
        try (WsClient a = connect(uniqueUser("a")); WsClient b = connect(uniqueUser("b"))) {
            ready(a);
            ready(b);
            String value = JsonCodec.encode(Map.of("v", 1, "messageId", "bc-1", "sender", Map.of("id", "ops"), "timestamp",
                    System.currentTimeMillis(), "message", Map.of("type", "text", "text", "maintenance")));
            untilTrue(() -> TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.BROADCAST, null, value)),
                    () -> a.frames().stream().anyMatch(f -> "broadcast".equals(WsClient.text(f, "op"))));
            for (WsClient ws : List.of(a, b)) {
                JsonNode frame = ws.awaitOp("broadcast");
                assertThat(frame.get("message").get("text").asText()).isEqualTo("maintenance");
            }
        }
    }

    @Test
    void aKickOnTheBroadcastTopic_endsEverySessionOfTheUser_with4409() {
        String user = uniqueUser("kicked");
        String bystander = uniqueUser("bystander");
        try (WsClient first = connect(user); WsClient second = connect(user); WsClient other = connect(bystander)) {
            ready(first);
            ready(second);
            ready(other);
            ProducerRecord<String, String> kick = new ProducerRecord<>(Topics.BROADCAST, null,
                    JsonCodec.encode(UserKick.of(user, "ops", System.currentTimeMillis())));
            kick.headers().add(RecordHeaders.TYPE, UserKick.EVENT.getBytes(StandardCharsets.UTF_8));
            untilTrue(() -> TopicProbe.produce(kafka(), kick), first::isClosed);
            // junk that says it is a kick: dead-lettered one by one, the loop reads on
            try (TopicProbe dlq = TopicProbe.fromEnd(kafka(), Topics.DLQ)) {
                for (String junk : List.of("{broken\u0000", "{\"v\":1,\"event\":\"kick\",\"userId\":null,\"at\":1}")) {
                    ProducerRecord<String, String> bad = new ProducerRecord<>(Topics.BROADCAST, null, junk);
                    bad.headers().add(RecordHeaders.TYPE, UserKick.EVENT.getBytes(StandardCharsets.UTF_8));
                    TopicProbe.produce(kafka(), bad);
                }
                dlq.await(r -> r.value() != null && r.value().contains("\"userId\":null"));
                assertThat(dlq.drain()).anyMatch(r -> r.value() != null && r.value().startsWith("{broken"));
            }

            for (WsClient ws : List.of(first, second)) {
                assertThat(ws.awaitClosed()).isEqualTo(CloseCode.KICKED.code());
                assertThat(WsClient.text(ws.awaitOp("closing"), "reason")).isEqualTo("KICKED");
            }
            ready(other); // a bystander's session goes on
            assertThat(other.isClosed()).isFalse();
        }
    }

    @Test
    void aLoginPastMaxSessionsPerUser_endsTheOldestSession() {
        String user = uniqueUser("many");
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) { // max-sessions-per-user is 3 in tests
                WsClient ws = connect(user);
                ready(ws);
                clients.add(ws);
            }
            WsClient fourth = connect(user);
            clients.add(fourth);
            ready(fourth);

            assertThat(clients.get(0).awaitClosed()).isEqualTo(CloseCode.KICKED.code());
            assertThat(clients.subList(1, 4)).noneMatch(WsClient::isClosed);
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    /** Repeats {@code action} until {@code done}: for consumers that start reading from the end of a topic. */
    @Test
    void pastSaturation_barrageLowAndMediumAreRefusedUnavailable_highGoesThrough_andTheRefusalsEndWithTheDelay()
            throws Exception {
        String alice = uniqueUser("alice");
        String bob = uniqueUser("bob");
        String room = "busy-" + alice;
        // deliveries of users' messages that reach this node 2 s after they were sent: the pipeline is 2 s behind (they
        // are for another node that shares the slot, so no session here gets them)
        AtomicBoolean behind = new AtomicBoolean(true);
        Thread lateDeliveries = new Thread(() -> {
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka(), ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new StringSerializer())) {
                while (behind.get()) {
                    long sentAt = System.currentTimeMillis() - 2_000;
                    for (int i = 0; i < 25; i++) {
                        Message message = new Message(MessageIds.next(sentAt), null, 7L, null, new Sender("x", null), sentAt,
                                Priority.LOW, null, null, MessageContent.text("late"));
                        producer.send(new ProducerRecord<>(Topics.DELIVERIES, 5, "peer/x,y", JsonCodec.encode(new Delivery(1,
                                "gw-elsewhere", "peer/x,y", List.of("y"), null, "session-of-x", message, null, null, null,
                                null))));
                    }
                    producer.flush();
                    Thread.sleep(50);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "late-deliveries");
        try (WsClient ws = connect(alice)) {
            ready(ws);
            assertThat(outcome(ws.request(ClientFrame.room(ClientFrame.ENTER_ROOM, null, room)))).isEqualTo("success");
            lateDeliveries.start();
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> "UNAVAILABLE".equals(outcome(ws.request(prioritized(bob, "low", Priority.LOW)))));

            Ack low = ws.request(prioritized(bob, "low again", null));
            assertThat(outcome(low)).isEqualTo("UNAVAILABLE");
            assertThat(low.error().message()).contains("overloaded").contains("retry");
            // 2 s behind, between shed-medium-at (450 ms) and shed-high-at (5 s in tests): medium is refused at odds
            // 1,550/4,550, high never
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> "UNAVAILABLE".equals(outcome(ws.request(prioritized(bob, "medium", Priority.MEDIUM)))));
            assertThat(outcome(ws.request(ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.ROOM,
                    room), MessageContent.barrage("cheer"), null, Priority.HIGH, null, null, null))))).isEqualTo("UNAVAILABLE");
            for (int i = 0; i < 5; i++) {
                assertThat(outcome(ws.request(prioritized(bob, "high " + i, Priority.HIGH)))).isEqualTo("success");
            }
            String metrics = RestAssured.get(url + "q/metrics").then().statusCode(200).extract().asString();
            assertThat(gauge(metrics, "im_gateway_pipeline_delay_milliseconds")).isGreaterThanOrEqualTo(1_500);
            // the expected delay stays within half to three times the measured one
            assertThat(gauge(metrics, "im_gateway_pipeline_expected_delay_milliseconds")).isGreaterThanOrEqualTo(750);
            assertThat(counter(metrics, "im_gateway_send_shed_total{class=\"low\"")).isGreaterThanOrEqualTo(2);

            behind.set(false);
            lateDeliveries.join();
            // no more late deliveries: the delay goes stale and every class is accepted again
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> "success".equals(outcome(ws.request(prioritized(bob, "low after", Priority.LOW)))));
        } finally {
            behind.set(false);
            lateDeliveries.join();
        }
    }

    /** "success" or the refusal's code. */
    private static String outcome(Ack ack) {
        return ack.isSuccess() ? "success" : ack.error().code();
    }

    /** The sum of the samples of the series that start with {@code prefix}. */
    private static double counter(String metrics, String prefix) {
        return metrics.lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static ClientFrame prioritized(String to, String text, Priority priority) {
        return ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.PEER, to), MessageContent.text(text),
                null, priority, null, null, null));
    }

    private static void untilTrue(Runnable action, BooleanSupplier done) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            if (done.getAsBoolean()) {
                return true;
            }
            action.run();
            return false;
        });
    }

    /** Waits until the connection is open and registered: a ping answered by pong. */
    private static void ready(WsClient ws) {
        String id = ws.send(ClientFrame.simple(ClientFrame.PING, null, null));
        ws.awaitFrame(f -> "pong".equals(WsClient.text(f, "op")) && id.equals(WsClient.text(f, "id")));
    }

    private static ErrorCode code(Ack ack) {
        assertThat(ack.status()).isEqualTo("failed");
        return ErrorCode.valueOf(ack.error().code());
    }

    private static String ackCode(WsClient ws, String id) {
        JsonNode ack = ws.awaitFrame(f -> "ack".equals(WsClient.text(f, "op")) && id.equals(WsClient.text(f, "id")));
        return "success".equals(WsClient.text(ack, "status")) ? "success" : ack.get("error").get("code").asText();
    }
}
