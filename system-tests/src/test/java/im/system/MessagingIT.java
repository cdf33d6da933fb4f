package im.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

import im.protocol.ClientFrame;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.Priority;
import im.protocol.SendRequest;
import im.protocol.Sender;
import im.protocol.ServerFrames.Ack;
import im.protocol.Topics;
import im.testkit.ServiceProcess;
import im.testkit.Tokens;
import im.testkit.TopicProbe;
import im.testkit.WsClient;

/**
 * End to end through the packaged services: app → gateway → Kafka → routing → Kafka → gateway → app, with users on two
 * different gateway nodes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MessagingIT {
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = Stack.get();
    }

    private static String user(String name) {
        return Stack.user(name);
    }

    private static WsClient connect(int node, String userId) {
        return stack.connect(node, userId);
    }

    private static ClientFrame text(ConversationType type, String to, String text, String clientMsgId) {
        return ClientFrame.send(null, new SendRequest(new ConversationRef(type, to), MessageContent.text(text), clientMsgId,
                null, null, null, null));
    }

    @Test
    @Order(1)
    void peerText_crossesNodes_inOrder_andReachesTheSendersOtherSession() {
        String alice = user("alice");
        String bob = user("bob");
        try (WsClient alice1 = connect(1, alice); WsClient alice2 = connect(2, alice); WsClient bob2 = connect(2, bob)) {
            stack.awaitPresence(alice, 2);
            stack.awaitPresence(bob, 1);

            List<Ack> acks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                acks.add(alice1.request(text(ConversationType.PEER, bob, "hi " + i, "c" + i)));
            }
            HttpResponse<String> rest = Stack.post(stack.gateway(1) + "/v1/messages", Tokens.user(alice),
                    new SendRequest(new ConversationRef(ConversationType.PEER, bob), MessageContent.text("over http"), "c-rest",
                            null, null, null, null));
            assertThat(rest.statusCode()).isEqualTo(200);
            assertThat(JsonCodec.tree(rest.body()).get("status").asText()).isEqualTo("success");

            List<Message> atBob = bob2.awaitMessages(4);
            assertThat(atBob).extracting(m -> m.content().text()).containsExactly("hi 0", "hi 1", "hi 2", "over http");
            assertThat(atBob).extracting(Message::orderKey).isSorted().doesNotHaveDuplicates();
            for (int i = 1; i < atBob.size(); i++) {
                assertThat(atBob.get(i).prevOrderKey()).isEqualTo(atBob.get(i - 1).orderKey());
            }
            assertThat(atBob.get(0).orderKey()).isEqualTo(acks.get(0).orderKey());
            assertThat(atBob.get(0).sender().id()).isEqualTo(alice);
            JsonNode frame = bob2.awaitOp("messages");
            assertThat(frame.get("conversation").get("id").asText()).isEqualTo(alice);

            assertThat(alice2.awaitMessages(4)).extracting(Message::messageId)
                    .containsExactlyElementsOf(atBob.stream().map(Message::messageId).toList());
            assertThat(alice2.awaitOp("messages").get("conversation").get("id").asText()).isEqualTo(bob);
            assertThat(alice1.awaitMessages(1)).as("the sending session gets acks, not its own messages")
                    .extracting(m -> m.content().text()).containsOnly("over http");
        }
    }

    @Test
    @Order(2)
    void thousandMessages_inOneConversation_arriveCompleteAndInOrder() {
        String carol = user("carol");
        String dave = user("dave");
        try (WsClient sender = connect(1, carol); WsClient receiver = connect(2, dave)) {
            stack.awaitPresence(dave, 1);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                ids.add(sender.send(text(ConversationType.PEER, dave, "n" + i, "k" + i)));
            }
            List<Message> received = receiver.awaitMessages(1000);
            assertThat(received).hasSize(1000);
            assertThat(received).extracting(m -> m.content().text())
                    .containsExactlyElementsOf(IntStream.range(0, 1000).mapToObj(i -> "n" + i).toList());
            assertThat(received).extracting(Message::orderKey).isSorted().doesNotHaveDuplicates();
            for (int i = 1; i < received.size(); i++) {
                assertThat(received.get(i).prevOrderKey()).isEqualTo(received.get(i - 1).orderKey());
            }
            for (String id : ids) {
                JsonNode ack = sender
                        .awaitFrame(f -> "ack".equals(WsClient.text(f, "op")) && id.equals(WsClient.text(f, "id")));
                assertThat(WsClient.text(ack, "status")).isEqualTo("success");
            }
        }
    }

    @Test
    @Order(3)
    void groupMessage_reachesEveryMember_andNoOutsider() {
        String erin = user("erin");
        String frank = user("frank");
        String gina = user("gina");
        String hank = user("hank");
        try (WsClient e = connect(1, erin);
                WsClient f = connect(2, frank);
                WsClient g = connect(1, gina);
                WsClient h = connect(2, hank)) {
            String groupId = "g" + UUID.randomUUID().toString().substring(0, 8);
            HttpResponse<String> created = Stack.post(stack.gateway(1) + "/v1/groups", Tokens.user(erin),
                    Map.of("groupId", groupId, "name", "Friends", "members", List.of(frank, gina)));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            assertThat(JsonCodec.tree(created.body()).get("members")).hasSize(3);
            stack.awaitRouting("/v1/routing/groups/" + groupId + "/members", members -> members.size() == 3);
            stack.awaitPresence(hank, 1);

            Ack ack = e.request(text(ConversationType.GROUP, groupId, "hello group", null));
            assertThat(ack.isSuccess()).as(String.valueOf(ack.error())).isTrue();
            // the group's groupCreated tips (v1.1) comes first
            assertThat(f.awaitMessages(2)).extracting(m -> m.content().type().wireName(), m -> m.content().text())
                    .containsExactly(tuple("tips", null), tuple("text", "hello group"));
            assertThat(g.awaitMessages(2).get(1).content().text()).isEqualTo("hello group");
            assertThat(f.awaitOp("messages").get("conversation").get("id").asText()).isEqualTo(groupId);

            assertThat(h.request(text(ConversationType.GROUP, groupId, "let me in", null)).error().code())
                    .isEqualTo("NOT_A_MEMBER");
            e.request(text(ConversationType.PEER, hank, "marker", null));
            assertThat(h.awaitMessages(1)).extracting(m -> m.content().text()).containsExactly("marker");
        }
    }

    @Test
    @Order(4)
    void roomBarrage_reachesEnteredMembersOnly_andRoomCommandReachesOnlyItsTargets() {
        String ivan = user("ivan");
        String judy = user("judy");
        String kate = user("kate");
        String leo = user("leo");
        String room = "r" + UUID.randomUUID().toString().substring(0, 8);
        try (WsClient i = connect(1, ivan);
                WsClient j = connect(2, judy);
                WsClient k = connect(2, kate);
                WsClient l = connect(1, leo)) {
            for (WsClient ws : List.of(i, j, l)) {
                assertThat(ws.request(ClientFrame.room(ClientFrame.ENTER_ROOM, null, room)).isSuccess()).isTrue();
            }
            stack.awaitInRoom(room, judy);
            stack.awaitInRoom(room, leo);
            stack.awaitPresence(kate, 1);

            Ack barrage = i.request(ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.ROOM, room),
                    MessageContent.barrage("wow"), null, null, null, null, null)));
            assertThat(barrage.isSuccess()).isTrue();
            assertThat(j.awaitMessages(1).get(0).content().text()).isEqualTo("wow");
            assertThat(l.awaitMessages(1).get(0).content().text()).isEqualTo("wow");

            String data = Base64.getEncoder().encodeToString("{\"mute\":true}".getBytes(StandardCharsets.UTF_8));
            Ack command = i.request(ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.ROOM, room),
                    MessageContent.command(data), null, Priority.HIGH, null, List.of(judy), null)));
            assertThat(command.isSuccess()).isTrue();
            assertThat(j.awaitMessages(2).get(1).content().data()).isEqualTo(data);

            i.request(text(ConversationType.PEER, kate, "marker", null));
            i.request(text(ConversationType.PEER, leo, "marker", null));
            assertThat(k.awaitMessages(1)).extracting(m -> m.content().text()).containsExactly("marker");
            assertThat(l.awaitMessages(2)).extracting(m -> m.content().text()).containsExactly("wow", "marker");
        }
    }

    @Test
    @Order(5)
    void broadcasts_fromTheAdminApiAndFromKafka_reachEverySession() {
        try (WsClient a = connect(1, user("bc-a")); WsClient b = connect(2, user("bc-b"))) {
            String push = stack.service("push").baseUrl() + "/v1/admin/broadcasts";
            Map<String, Object> body = Map.of("message", Map.of("type", "text", "text", "maintenance tonight"));
            HttpResponse<String> refused = Stack.post(push, Tokens.user("mallory"), body);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(JsonCodec.tree(refused.body()).get("error").get("code").asText()).isEqualTo("FORBIDDEN");
            assertThat(Stack.post(push, null, body).statusCode()).isEqualTo(401);

            // gateway nodes read broadcasts from the end: repeat until both sessions see one
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                if (hasBroadcast(a, "maintenance tonight") && hasBroadcast(b, "maintenance tonight")) {
                    return true;
                }
                assertThat(Stack.post(push, Tokens.admin("ops"), body).statusCode()).isEqualTo(200);
                return false;
            });

            String direct = JsonCodec.encode(Map.of("v", 1, "messageId", MessageIds.next(System.currentTimeMillis()), "sender",
                    Map.of("id", "backend"), "timestamp", System.currentTimeMillis(), "message",
                    Map.of("type", "text", "text", "from a backend")));
            TopicProbe.produce(stack.kafka.bootstrapServers(), new ProducerRecord<>(Topics.BROADCAST, null, direct));
            for (WsClient ws : List.of(a, b)) {
                ws.awaitFrame(f -> "broadcast".equals(WsClient.text(f, "op"))
                        && "from a backend".equals(f.get("message").get("text").asText()));
            }
        }
    }

    private static boolean hasBroadcast(WsClient ws, String text) {
        return ws.frames().stream().anyMatch(f -> "broadcast".equals(WsClient.text(f, "op"))
                && text.equals(f.get("message").get("text").asText()));
    }

    @Test
    @Order(6)
    void backendRecords_areDeliveredLikeUsersMessages_andMalformedOnesGoToTheDlq() {
        String backend = "billing";
        String olga = user("olga");
        try (WsClient o = connect(2, olga); TopicProbe dlq = TopicProbe.fromEnd(stack.kafka.bootstrapServers(), Topics.DLQ)) {
            stack.awaitPresence(olga, 1);
            String key = ConversationKey.of(backend, new ConversationRef(ConversationType.PEER, olga)).value();
            TopicProbe.produce(stack.kafka.bootstrapServers(),
                    new ProducerRecord<>(Topics.MESSAGES_RELIABLE, key, "{\"v\":1,\"this is\":\"not an envelope\""));
            TopicProbe.produce(stack.kafka.bootstrapServers(), new ProducerRecord<>(Topics.MESSAGES_RELIABLE, key,
                    JsonCodec.encode(Map.of("v", 1, "messageId", "x", "conversationKey", key))));
            long now = System.currentTimeMillis();
            Envelope valid = new Envelope(1, MessageIds.next(now), "inv-1", key,
                    new ConversationRef(ConversationType.PEER, olga), new Sender(backend, "Billing"), now, null, null, null,
                    null,
                    null, MessageContent.text("your invoice is ready"));
            TopicProbe.produce(stack.kafka.bootstrapServers(),
                    new ProducerRecord<>(Topics.MESSAGES_RELIABLE, key, JsonCodec.encode(valid)));

            Message received = o.awaitMessages(1).get(0);
            assertThat(received.content().text()).isEqualTo("your invoice is ready");
            assertThat(received.sender().id()).isEqualTo(backend);
            List<ConsumerRecord<String, String>> dead = dlq.awaitCount(2);
            assertThat(dead).allSatisfy(r -> {
                assertThat(r.key()).isEqualTo(key);
                assertThat(new String(r.headers().lastHeader("im-error").value(), StandardCharsets.UTF_8))
                        .isEqualTo("INVALID_REQUEST");
                assertThat(r.headers().lastHeader("im-error-detail")).isNotNull();
            });
        }
    }

    @Test
    @Order(7)
    void retryWithTheSameClientMsgId_throughAnotherNode_isDeliveredOnce() {
        String mike = user("mike");
        String nina = user("nina");
        try (WsClient n = connect(2, nina)) {
            stack.awaitPresence(nina, 1);
            try (WsClient first = connect(1, mike)) {
                assertThat(first.request(text(ConversationType.PEER, nina, "only once", "retry-1")).isSuccess()).isTrue();
            }
            try (WsClient again = connect(2, mike)) {
                assertThat(again.request(text(ConversationType.PEER, nina, "only once", "retry-1")).isSuccess()).isTrue();
                assertThat(again.request(text(ConversationType.PEER, nina, "marker", "retry-2")).isSuccess()).isTrue();
            }
            assertThat(n.awaitMessages(2)).extracting(m -> m.content().text()).containsExactly("only once", "marker");
        }
    }

    @Test
    @Order(8)
    void aGatewayThatDies_leavesNoGhosts_andComesBackWithANewEpoch() {
        String oscar = user("oscar");
        try (WsClient o = connect(2, oscar)) {
            stack.awaitPresence(oscar, 1);
            long epoch = stack.routing("/v1/routing/nodes").get("gw-2").get("epoch").asLong();
            ServiceProcess gateway2 = stack.service("gateway-2");
            gateway2.kill();
            stack.awaitPresence(oscar, 0);
            assertThat(o.awaitClosed()).isNotZero();
        }
        stack.startGateway(2);
        String paula = user("paula");
        try (WsClient p = connect(2, paula); WsClient q = connect(1, user("quinn"))) {
            stack.awaitPresence(paula, 1);
            stack.awaitPresence(oscar, 0);
            assertThat(q.request(text(ConversationType.PEER, paula, "welcome back", null)).isSuccess()).isTrue();
            assertThat(p.awaitMessages(1).get(0).content().text()).isEqualTo("welcome back");
        }
    }

    @Test
    @Order(9)
    void anAdminKick_endsTheUsersSessionsOnEveryNode_with4409_andTheUserIsOfflineAtOnce() {
        String kim = user("kim");
        try (WsClient one = connect(1, kim); WsClient two = connect(2, kim)) {
            stack.awaitPresence(kim, 2);
            String kick = stack.service("push").baseUrl() + "/v1/admin/users/" + kim + "/kick";
            assertThat(Stack.post(kick, Tokens.user("mallory"), Map.of()).statusCode()).isEqualTo(403);
            assertThat(Stack.post(kick, null, Map.of()).statusCode()).isEqualTo(401);

            // gateway nodes read im.broadcast from the end: repeat until both sessions are gone (a kick is idempotent)
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                if (one.isClosed() && two.isClosed()) {
                    return true;
                }
                HttpResponse<String> kicked = Stack.post(kick, Tokens.admin("ops"), Map.of());
                assertThat(kicked.statusCode()).as(kicked.body()).isEqualTo(200);
                assertThat(JsonCodec.tree(kicked.body()).get("userId").asText()).isEqualTo(kim);
                return false;
            });
            for (WsClient ws : List.of(one, two)) {
                assertThat(ws.awaitClosed()).isEqualTo(4409);
                assertThat(WsClient.text(ws.awaitOp("closing"), "reason")).isEqualTo("KICKED");
            }
            stack.awaitPresence(kim, 0);
        }
    }

    @Test
    @Order(10)
    void presence_ofAUserOnOneNode_reachesASubscriberOnTheOther_fromKafka() {
        String watcher = user("watcher");
        String nina = user("nina");
        try (WsClient w = connect(1, watcher)) {
            w.sendRaw(JsonCodec.encode(Map.of("op", "subscribePresence", "id", "sub", "userIds", List.of(nina))));
            assertThat(WsClient.text(w.awaitFrame(f -> "sub".equals(WsClient.text(f, "id"))), "status")).isEqualTo("success");
            assertThat(WsClient.text(awaitPresence(w, nina, 1), "state")).isEqualTo("offline");

            WsClient n = connect(2, nina);
            assertThat(WsClient.text(awaitPresence(w, nina, 2), "state")).isEqualTo("online");
            n.sendRaw(JsonCodec.encode(Map.of("op", "setStatus", "id", "st", "customStatus", "on node 2")));
            assertThat(WsClient.text(n.awaitFrame(f -> "st".equals(WsClient.text(f, "id"))), "status")).isEqualTo("success");
            JsonNode withStatus = awaitPresence(w, nina, 3);
            assertThat(WsClient.text(withStatus, "customStatus")).isEqualTo("on node 2");
            JsonNode listed = stack.getJson(watcher, "/v1/presence?userIds=" + nina).get("presence").get(0);
            assertThat(WsClient.text(listed, "state")).isEqualTo("online");
            assertThat(WsClient.text(listed, "customStatus")).isEqualTo("on node 2");

            n.close(); // dropped without logout: offline once node 2's grace (1 s here) ends and it writes the tombstone
            JsonNode offline = awaitPresence(w, nina, 4);
            assertThat(WsClient.text(offline, "state")).isEqualTo("offline");
            assertThat(offline.get("lastSeenAt").asLong()).isPositive();
            assertThat(WsClient.text(offline, "customStatus")).isEqualTo("on node 2");
        }
    }

    /** The {@code count}th presence push about {@code userId} that {@code ws} received. */
    private static JsonNode awaitPresence(WsClient ws, String userId, int count) {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> ws.frames().stream().filter(f -> "presence".equals(WsClient.text(f, "op"))
                        && userId.equals(WsClient.text(f, "userId"))).toList(), pushes -> pushes.size() >= count)
                .get(count - 1);
    }
}
