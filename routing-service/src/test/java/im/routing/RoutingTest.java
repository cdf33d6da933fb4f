package im.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

import im.protocol.Action;
import im.protocol.ConversationChanged;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Delivery;
import im.protocol.Envelope;
import im.protocol.GroupEvent;
import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.MessageType;
import im.protocol.Origin;
import im.protocol.Presence;
import im.protocol.Reaction;
import im.protocol.RecordHeaders;
import im.protocol.Sender;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.PoisonRecords;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/**
 * Routing against a real broker: presence and membership produced as gateways and backends write them, messages on the
 * three message topics, and the deliveries (partition = node slot, key = node id) and dead letters that come out.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
class RoutingTest {
    private static final Duration FOLD_WAIT = Duration.ofSeconds(30);

    /** A gateway node as it announces itself on {@code im.presence}. */
    private record Node(String id, int slot, long epoch) {

        static Node fresh(String name, int slot) {
            return new Node(unique(name), slot, System.currentTimeMillis());
        }
    }

    private static String kafka() {
        return EmbeddedKafka.shared().bootstrapServers();
    }

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    // ---- what gateways and backends write ----

    private static void heartbeat(Node node, long at) {
        TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.PRESENCE, Presence.nodeKey(node.id()), JsonCodec.encode(
                new Presence(1, Presence.KIND_NODE, node.id(), node.slot(), node.epoch(), null, null, null, at))));
    }

    private static void online(String userId, Node node, long at, String... rooms) {
        TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.PRESENCE, Presence.userKey(userId, node.id()),
                JsonCodec.encode(new Presence(1, Presence.KIND_USER, node.id(), node.slot(), node.epoch(), userId, 1,
                        List.of(rooms), at))));
    }

    /** A live node holding {@code users}, heartbeat now; waits until routing sees each user there. */
    private static void connect(Node node, String... users) {
        long now = System.currentTimeMillis();
        heartbeat(node, now);
        for (String user : users) {
            online(user, node, now);
        }
        for (String user : users) {
            awaitPresence(user, node);
        }
    }

    private static void group(String groupId, String... members) {
        long now = System.currentTimeMillis();
        TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.MEMBERSHIP, Membership.groupKey(groupId),
                JsonCodec.encode(new Membership(1, Membership.KIND_GROUP, groupId, null, groupId, members[0], now))));
        for (String member : members) {
            TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.MEMBERSHIP, Membership.memberKey(groupId, member),
                    JsonCodec.encode(new Membership(1, Membership.KIND_MEMBER, groupId, member, null, null, now))));
        }
        await().atMost(FOLD_WAIT).untilAsserted(() -> assertThat(
                views().get("/v1/routing/groups/{groupId}/members", groupId).then().statusCode(200).extract()
                        .jsonPath().getList("", String.class))
                .containsExactlyInAnyOrder(members));
    }

    private static Envelope envelope(String senderId, ConversationRef to, MessageContent content, String clientMsgId,
            List<String> toUserIds, Origin origin) {
        long now = System.currentTimeMillis();
        return new Envelope(1, MessageIds.next(now), clientMsgId, ConversationKey.of(senderId, to).value(), to,
                new Sender(senderId, senderId), now, null, null, toUserIds, null, origin, content);
    }

    private static Envelope envelope(String senderId, ConversationRef to, MessageContent content, String clientMsgId,
            List<String> toUserIds, Origin origin, Action action) {
        long now = System.currentTimeMillis();
        return new Envelope(1, MessageIds.next(now), clientMsgId, ConversationKey.of(senderId, to).value(), to,
                new Sender(senderId, senderId), now, null, null, toUserIds, null, origin, content, action);
    }

    private static Envelope text(String senderId, ConversationType type, String toId, String text) {
        return envelope(senderId, new ConversationRef(type, toId), MessageContent.text(text), unique("c"), null, null);
    }

    private static RecordMetadata produce(String topic, Envelope envelope) {
        return produce(topic, envelope.conversationKey(), JsonCodec.encode(envelope));
    }

    private static RecordMetadata produce(String topic, String key, String value) {
        return TopicProbe.produce(kafka(), new ProducerRecord<>(topic, key, value));
    }

    private static String command(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    // ---- what routing shows ----

    private static void awaitPresence(String userId, Node node) {
        // the node keeps beating while we wait, as a live gateway does: on a slow machine the first fold can take longer
        // than the heartbeat timeout
        await().atMost(FOLD_WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            heartbeat(node, System.currentTimeMillis());
            assertThat(liveNodesOf(userId)).contains(node.id());
        });
    }

    private static List<String> liveNodesOf(String userId) {
        return views().get("/v1/routing/presence/{userId}", userId).then().statusCode(200).extract().jsonPath()
                .getList("nodes.nodeId", String.class);
    }

    private static Predicate<ConsumerRecord<String, String>> deliveryOf(Envelope envelope, Node node) {
        return r -> node.id().equals(r.key()) && r.value().contains(envelope.messageId());
    }

    private static Delivery awaitDelivery(TopicProbe deliveries, Envelope envelope, Node node) {
        ConsumerRecord<String, String> record = deliveries.await(deliveryOf(envelope, node));
        assertThat(record.partition()).as("partition of %s", node.id()).isEqualTo(node.slot());
        Delivery delivery = JsonCodec.decode(record.value(), Delivery.class);
        assertThat(delivery.v()).isEqualTo(1);
        assertThat(delivery.nodeId()).isEqualTo(node.id());
        assertThat(delivery.conversationKey()).isEqualTo(envelope.conversationKey());
        assertThat(delivery.message().messageId()).isEqualTo(envelope.messageId());
        return delivery;
    }

    /** Deliveries to {@code node} of any of {@code envelopes} seen so far. */
    private static List<ConsumerRecord<String, String>> deliveriesTo(TopicProbe deliveries, Node node,
            Envelope... envelopes) {
        return deliveries.drain().stream()
                .filter(r -> List.of(envelopes).stream().anyMatch(e -> deliveryOf(e, node).test(r))).toList();
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    // ---- tests ----

    @Test
    void peerMessage_isDeliveredToBothUsersNodes_withOrderKeys() {
        Node nodeA = Node.fresh("n-a", 3);
        Node nodeB = Node.fresh("n-b", 4);
        String alice = unique("alice");
        String bob = unique("bob");
        connect(nodeA, alice);
        connect(nodeB, bob);
        Origin origin = new Origin(nodeA.id(), "s-alice-1");

        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            Envelope first = envelope(alice, new ConversationRef(ConversationType.PEER, bob), MessageContent.text("hi bob"),
                    "c1", null, origin);
            RecordMetadata firstRecord = produce(Topics.MESSAGES_RELIABLE, first);
            Envelope second = envelope(bob, new ConversationRef(ConversationType.PEER, alice),
                    MessageContent.text("hi alice"), "c1", null, new Origin(nodeB.id(), "s-bob-1"));
            RecordMetadata secondRecord = produce(Topics.MESSAGES_RELIABLE, second);

            Delivery toBob = awaitDelivery(deliveries, first, nodeB);
            Delivery toAlice = awaitDelivery(deliveries, first, nodeA);
            assertThat(toBob.userIds()).containsExactly(bob);
            assertThat(toAlice.userIds()).containsExactly(alice);
            assertThat(List.of(toBob, toAlice)).allSatisfy(delivery -> {
                assertThat(delivery.excludeSessionId()).isEqualTo("s-alice-1");
                assertThat(delivery.roomId()).isNull();
                assertThat(delivery.message().orderKey()).isEqualTo(firstRecord.offset());
                assertThat(delivery.message().prevOrderKey()).isNull();
                assertThat(delivery.message().sender().id()).isEqualTo(alice);
                assertThat(delivery.message().clientMsgId()).isEqualTo("c1");
                assertThat(delivery.message().content().text()).isEqualTo("hi bob");
            });

            Delivery reply = awaitDelivery(deliveries, second, nodeA);
            assertThat(reply.userIds()).containsExactly(alice);
            assertThat(reply.excludeSessionId()).isEqualTo("s-bob-1");
            assertThat(reply.message().orderKey()).isEqualTo(secondRecord.offset());
            assertThat(reply.message().prevOrderKey()).isEqualTo(firstRecord.offset());
            assertThat(awaitDelivery(deliveries, second, nodeB).userIds()).containsExactly(bob);
        }
    }

    @Test
    void peerUsersOnOneNode_getOneDeliveryNamingBoth() {
        Node node = Node.fresh("n-a", 5);
        String alice = unique("alice");
        String bob = unique("bob");
        connect(node, alice, bob);

        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            Envelope message = text(alice, ConversationType.PEER, bob, "same node");
            Envelope marker = text(alice, ConversationType.PEER, bob, "marker");
            produce(Topics.MESSAGES_RELIABLE, message);
            produce(Topics.MESSAGES_RELIABLE, marker);

            assertThat(awaitDelivery(deliveries, message, node).userIds()).containsExactlyInAnyOrder(alice, bob);
            awaitDelivery(deliveries, marker, node);
            assertThat(deliveriesTo(deliveries, node, message)).hasSize(1);
        }
    }

    @Test
    void groupMessage_isDeliveredOnlyToMembersNodes_withOnlyMemberUserIds() {
        Node nodeA = Node.fresh("n-a", 3);
        Node nodeB = Node.fresh("n-b", 4);
        Node outsiders = Node.fresh("n-c", 4);
        String alice = unique("alice");
        String bob = unique("bob");
        String carol = unique("carol");
        String dave = unique("dave");
        String eve = unique("eve");
        String groupId = unique("g");
        connect(nodeA, alice, bob, dave);
        connect(nodeB, carol);
        connect(outsiders, eve);
        group(groupId, alice, bob, carol);

        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            Envelope message = text(alice, ConversationType.GROUP, groupId, "hello group");
            Envelope marker = text(bob, ConversationType.GROUP, groupId, "marker");
            produce(Topics.MESSAGES_RELIABLE, message);
            produce(Topics.MESSAGES_RELIABLE, marker);

            assertThat(awaitDelivery(deliveries, message, nodeA).userIds()).containsExactlyInAnyOrder(alice, bob);
            assertThat(awaitDelivery(deliveries, message, nodeB).userIds()).containsExactly(carol);
            awaitDelivery(deliveries, marker, nodeB);
            assertThat(deliveriesTo(deliveries, outsiders, message, marker))
                    .as("a node that holds no member (same slot as %s)", nodeB.id()).isEmpty();
        }
    }

    @Test
    void groupTips_reachTheMembers_andItsTargets_evenWhenTheyAreNoMembers() {
        Node node = Node.fresh("n-t", 3);
        String alice = unique("alice");
        String bob = unique("bob");
        String removed = unique("removed");
        String outsider = unique("outsider");
        String groupId = unique("g");
        connect(node, alice, bob, removed, outsider);
        group(groupId, alice, bob);

        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            Envelope text = text(alice, ConversationType.GROUP, groupId, "members only");
            Envelope tips = text(alice, ConversationType.GROUP, groupId, "x")
                    .withMessage(MessageContent.tips(GroupEvent.MEMBERS_REMOVED.wireName(), alice, List.of(removed)));
            produce(Topics.MESSAGES_RELIABLE, text);
            produce(Topics.MESSAGES_RELIABLE, tips);

            assertThat(awaitDelivery(deliveries, tips, node).userIds()).containsExactlyInAnyOrder(alice, bob, removed);
            assertThat(awaitDelivery(deliveries, text, node).userIds()).as("not a tips: members only")
                    .containsExactlyInAnyOrder(alice, bob);
        }
    }

    @Test
    void groupTips_isReplayedToATarget_whoseSessionAppearsAfterItWasRouted() {
        Node node = Node.fresh("n-tr", 3);
        String alice = unique("alice");
        String removed = unique("removed");
        String groupId = unique("g");
        connect(node, alice);
        group(groupId, alice);

        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            Envelope tips = text(alice, ConversationType.GROUP, groupId, "x")
                    .withMessage(MessageContent.tips(GroupEvent.MEMBERS_REMOVED.wireName(), alice, List.of(removed)));
            produce(Topics.MESSAGES_RELIABLE, tips);
            assertThat(awaitDelivery(deliveries, tips, node).userIds()).as("the target is offline").containsExactly(alice);

            connect(node, removed);
            // the target's id is in every delivery's tips targets: tell the replay by whom it addresses
            Delivery replay = JsonCodec.decode(deliveries.await(r -> deliveryOf(tips, node).test(r)
                    && JsonCodec.decode(r.value(), Delivery.class).userIds().contains(removed)).value(), Delivery.class);
            assertThat(replay.userIds()).containsExactly(removed);
        }
    }

    @Test
    void roomMessage_isDeliveredWithItsRoomId_toEachNodeWithAnEnteredUser() {
        Node nodeA = Node.fresh("n-a", 3);
        Node nodeB = Node.fresh("n-b", 4);
        Node elsewhere = Node.fresh("n-c", 4);
        String alice = unique("alice");
        String bob = unique("bob");
        String carol = unique("carol");
        String roomId = unique("room");
        long now = System.currentTimeMillis();
        heartbeat(nodeA, now);
        heartbeat(nodeB, now);
        heartbeat(elsewhere, now);
        online(alice, nodeA, now, roomId);
        online(bob, nodeB, now, roomId, "other-room");
        online(carol, elsewhere, now, "other-room");
        await().atMost(FOLD_WAIT).untilAsserted(() -> assertThat(
                views().get("/v1/routing/rooms/{roomId}", roomId).then().statusCode(200).extract().jsonPath().getMap(""))
                .isEqualTo(Map.of(nodeA.id(), List.of(alice), nodeB.id(), List.of(bob))));
        awaitPresence(carol, elsewhere);

        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            Envelope barrage = envelope(alice, new ConversationRef(ConversationType.ROOM, roomId),
                    MessageContent.barrage("wow"), null, null, new Origin(nodeA.id(), "s-alice"));
            Envelope marker = envelope(bob, new ConversationRef(ConversationType.ROOM, roomId),
                    MessageContent.barrage("marker"), null, null, null);
            produce(Topics.MESSAGES_BARRAGE, barrage);
            produce(Topics.MESSAGES_BARRAGE, marker);

            List<Delivery> both = List.of(awaitDelivery(deliveries, barrage, nodeA), awaitDelivery(deliveries, barrage, nodeB));
            assertThat(both).allSatisfy(delivery -> {
                assertThat(delivery.roomId()).isEqualTo(roomId);
                assertThat(delivery.userIds()).isNull();
                assertThat(delivery.excludeSessionId()).isEqualTo("s-alice");
                assertThat(delivery.conversationKey()).isEqualTo("room/" + roomId);
                assertThat(delivery.message().content().text()).isEqualTo("wow");
            });
            awaitDelivery(deliveries, marker, nodeB);
            assertThat(deliveriesTo(deliveries, elsewhere, barrage, marker)).isEmpty();
        }
    }

    @Test
    void roomCommandWithToUserIds_isDeliveredOnlyToThoseUsersWhoEntered() {
        Node nodeA = Node.fresh("n-a", 3);
        Node nodeB = Node.fresh("n-b", 4);
        String alice = unique("alice");
        String bob = unique("bob");
        String carol = unique("carol");
        String roomId = unique("room");
        long now = System.currentTimeMillis();
        heartbeat(nodeA, now);
        heartbeat(nodeB, now);
        online(alice, nodeA, now, roomId);
        online(bob, nodeB, now, roomId);
        online(carol, nodeB, now);
        await().atMost(FOLD_WAIT).untilAsserted(() -> assertThat(
                views().get("/v1/routing/rooms/{roomId}", roomId).then().statusCode(200).extract().jsonPath().getMap(""))
                .isEqualTo(Map.of(nodeA.id(), List.of(alice), nodeB.id(), List.of(bob))));
        awaitPresence(carol, nodeB);

        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            ConversationRef room = new ConversationRef(ConversationType.ROOM, roomId);
            Envelope targeted = envelope(alice, room, MessageContent.command(command("kick")), null, List.of(bob, carol),
                    new Origin(nodeA.id(), "s-alice"));
            Envelope wholeRoom = envelope(alice, room, MessageContent.command(command("all")), null, null, null);
            produce(Topics.MESSAGES_SIGNAL, targeted);
            produce(Topics.MESSAGES_SIGNAL, wholeRoom);

            Delivery toBob = awaitDelivery(deliveries, targeted, nodeB);
            assertThat(toBob.userIds()).containsExactly(bob);
            assertThat(toBob.roomId()).isEqualTo(roomId);
            assertThat(toBob.message().content().data()).isEqualTo(command("kick"));
            assertThat(awaitDelivery(deliveries, wholeRoom, nodeA).userIds()).isNull();
            assertThat(awaitDelivery(deliveries, wholeRoom, nodeB).userIds()).isNull();
            assertThat(deliveriesTo(deliveries, nodeA, targeted)).as("alice is not in toUserIds").isEmpty();
        }
    }

    @Test
    void retryWithTheSameClientMsgId_isDeliveredOnce() {
        Node nodeA = Node.fresh("n-a", 3);
        Node nodeB = Node.fresh("n-b", 4);
        String alice = unique("alice");
        String bob = unique("bob");
        connect(nodeA, alice);
        connect(nodeB, bob);
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);

        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            Envelope original = envelope(alice, toBob, MessageContent.text("once"), "same-id", null, null);
            Envelope retry = envelope(alice, toBob, MessageContent.text("once"), "same-id", null,
                    new Origin(nodeB.id(), "other-session"));
            Envelope sameIdFromBob = envelope(bob, new ConversationRef(ConversationType.PEER, alice),
                    MessageContent.text("mine"), "same-id", null, null);
            Envelope marker = envelope(alice, toBob, MessageContent.text("marker"), "marker-id", null, null);
            produce(Topics.MESSAGES_RELIABLE, original);
            produce(Topics.MESSAGES_RELIABLE, retry);
            RecordMetadata fromBobRecord = produce(Topics.MESSAGES_RELIABLE, sameIdFromBob);
            produce(Topics.MESSAGES_RELIABLE, marker);

            awaitDelivery(deliveries, original, nodeB);
            awaitDelivery(deliveries, sameIdFromBob, nodeB);
            Delivery markerDelivery = awaitDelivery(deliveries, marker, nodeB);
            awaitDelivery(deliveries, marker, nodeA);
            assertThat(deliveriesTo(deliveries, nodeB, original, retry)).hasSize(1);
            assertThat(deliveriesTo(deliveries, nodeA, original, retry)).hasSize(1);
            assertThat(deliveriesTo(deliveries, nodeA, retry)).isEmpty();
            assertThat(markerDelivery.message().prevOrderKey()).as("the retry is not part of the conversation's order")
                    .isEqualTo(fromBobRecord.offset());
        }
    }

    @Test
    void userOnANodeWithAStaleHeartbeat_getsNoDelivery() {
        Node live = Node.fresh("n-live", 6);
        Node stale = Node.fresh("n-stale", 6);
        String alice = unique("alice");
        String ghost = unique("ghost");
        connect(live, alice);
        long lastHeard = System.currentTimeMillis() - 60_000;
        heartbeat(stale, lastHeard - 1_000);
        online(ghost, stale, lastHeard);
        // lastSeen reaches the user entry's time only once both records are folded
        await().atMost(FOLD_WAIT).untilAsserted(() -> assertThat(
                views().get("/v1/routing/nodes").then().statusCode(200).extract().jsonPath()
                        .getLong("'" + stale.id() + "'.lastSeen"))
                .isEqualTo(lastHeard));
        assertThat(liveNodesOf(ghost)).isEmpty();

        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            Envelope toGhost = text(alice, ConversationType.PEER, ghost, "are you there?");
            Envelope marker = text(alice, ConversationType.PEER, ghost, "marker");
            produce(Topics.MESSAGES_RELIABLE, toGhost);
            produce(Topics.MESSAGES_RELIABLE, marker);

            assertThat(awaitDelivery(deliveries, toGhost, live).userIds()).containsExactly(alice);
            awaitDelivery(deliveries, marker, live);
            assertThat(deliveriesTo(deliveries, stale, toGhost, marker))
                    .as("partition %d has nothing for the stale node", stale.slot()).isEmpty();
        }
    }

    @Test
    void invalidRecords_landInTheDlqWithTheirErrorHeaders_andLaterRecordsAreStillDelivered() {
        Node node = Node.fresh("n-a", 7);
        String alice = unique("alice");
        String bob = unique("bob");
        connect(node, alice, bob);
        String peerKey = new ConversationKey(ConversationType.PEER, alice, bob).value();

        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES);
                TopicProbe dlq = TopicProbe.fromEnd(kafka(), Topics.DLQ)) {
            String malformed = "{\"v\":1,\"messageId\":\"" + unique("broken") + "\",";
            Envelope base = text(alice, ConversationType.PEER, bob, "wrong conversation");
            Envelope wrongConversation = new Envelope(1, base.messageId(), null, "peer/" + alice + ",zz-" + bob, base.to(),
                    base.sender(), base.timestamp(), null, null, null, null, null, base.message());
            Envelope textOnSignal = text(alice, ConversationType.PEER, bob, "not a signal");
            Envelope wrongRecordKey = text(alice, ConversationType.PEER, bob, "keyed elsewhere");
            produce(Topics.MESSAGES_RELIABLE, peerKey, malformed);
            produce(Topics.MESSAGES_RELIABLE, wrongConversation);
            produce(Topics.MESSAGES_SIGNAL, textOnSignal);
            produce(Topics.MESSAGES_RELIABLE, "peer/" + alice + ",somebody", JsonCodec.encode(wrongRecordKey));
            Envelope afterReliable = text(alice, ConversationType.PEER, bob, "still flowing");
            Envelope afterSignal = envelope(alice, new ConversationRef(ConversationType.PEER, bob),
                    MessageContent.command(command("ring")), null, null, null);
            produce(Topics.MESSAGES_RELIABLE, afterReliable);
            produce(Topics.MESSAGES_SIGNAL, afterSignal);

            assertDeadLetter(dlq.await(r -> malformed.equals(r.value())), "malformed JSON");
            assertDeadLetter(dlq.await(r -> r.value().contains(wrongConversation.messageId())), "does not match");
            assertDeadLetter(dlq.await(r -> r.value().contains(textOnSignal.messageId())), Topics.MESSAGES_RELIABLE);
            assertDeadLetter(dlq.await(r -> r.value().contains(wrongRecordKey.messageId())), "is not the conversation key");

            assertThat(awaitDelivery(deliveries, afterReliable, node).userIds()).containsExactlyInAnyOrder(alice, bob);
            assertThat(awaitDelivery(deliveries, afterSignal, node).message().content().data()).isEqualTo(command("ring"));
            assertThat(deliveriesTo(deliveries, node, wrongConversation, textOnSignal, wrongRecordKey)).isEmpty();
            // operators see them: im.dlq's depth is a gauge (read every second in tests)
            await().atMost(FOLD_WAIT).untilAsserted(() -> assertThat(dlqRecords()).isGreaterThanOrEqualTo(4));
        }
    }

    /** {@code im_dlq_records} as /q/metrics shows it. */
    private static double dlqRecords() {
        String metrics = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(line -> line.startsWith("im_dlq_records")).mapToDouble(
                line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    }

    private static void assertDeadLetter(ConsumerRecord<String, String> record, String detail) {
        assertThat(header(record, RecordHeaders.ERROR)).isEqualTo("INVALID_REQUEST");
        assertThat(header(record, RecordHeaders.ERROR_DETAIL)).contains(detail);
    }

    @Test
    void restViews_showNodesAndTheirSlots() {
        Node node = Node.fresh("n-a", 9);
        String alice = unique("alice");
        connect(node, alice);

        Map<String, Object> state = views().get("/v1/routing/nodes").then().statusCode(200).extract().jsonPath()
                .getMap("'" + node.id() + "'");
        assertThat(state).containsEntry("nodeId", node.id()).containsEntry("slot", 9);
        assertThat(views().get("/v1/routing/presence/{userId}", alice).then().statusCode(200).extract().jsonPath()
                .getInt("nodes[0].slot")).isEqualTo(9);
        assertThat(liveNodesOf(unique("nobody"))).isEmpty();
        assertThat(views().get("/v1/routing/groups/{groupId}/members", unique("no-group")).then().statusCode(200)
                .extract().jsonPath().getList("", String.class)).isEmpty();
    }

    private static void assertDeadLettered(TopicProbe dlq, List<PoisonRecords.Written> written, String by) {
        for (PoisonRecords.Written poison : written) {
            ConsumerRecord<String, String> dead = dlq.await(r -> poison.topic().equals(header(r, RecordHeaders.ORIGIN_TOPIC))
                    && String.valueOf(poison.partition()).equals(header(r, RecordHeaders.ORIGIN_PARTITION))
                    && String.valueOf(poison.offset()).equals(header(r, RecordHeaders.ORIGIN_OFFSET)));
            assertThat(header(dead, RecordHeaders.ERROR)).as(poison.kind()).isEqualTo("INVALID_REQUEST");
            assertThat(header(dead, RecordHeaders.ERROR_DETAIL)).as(poison.kind()).isNotBlank();
            assertThat(header(dead, RecordHeaders.DEAD_LETTERED_BY)).as(poison.kind()).isEqualTo(by);
        }
    }

    @Test
    void everyKindOfPoisonMessage_isDeadLettered_andTheGoodMessageAfterItIsDelivered() {
        Node node = Node.fresh("n-p", 11);
        String alice = unique("alice");
        String bob = unique("bob");
        connect(node, alice, bob);
        Envelope valid = text(alice, ConversationType.PEER, bob, "valid");
        String key = valid.conversationKey();
        String json = JsonCodec.encode(valid);
        Map<String, String> kinds = PoisonRecords.jsonKinds(json,
                j -> j.replace("\"clientMsgId\"", "\"mentions\":{\"userIds\":[null]},\"clientMsgId\""),
                j -> j.replace("\"valid\"", "\"a\\u0000b\""), j -> j.replace(valid.messageId(), "m".repeat(65)));
        kinds.put("unknown priority", json.replace("\"clientMsgId\"", "\"priority\":\"urgent\",\"clientMsgId\""));
        kinds.put("no value", null);
        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES);
                TopicProbe dlq = TopicProbe.fromEnd(kafka(), Topics.DLQ)) {
            List<PoisonRecords.Written> written = new ArrayList<>(
                    PoisonRecords.write(kafka(), Topics.MESSAGES_RELIABLE, key, kinds));
            int other = (written.get(0).partition() + 1) % 4;
            Envelope misplaced = text(alice, ConversationType.PEER, bob, "misplaced");
            written.add(PoisonRecords.writeTo(kafka(), Topics.MESSAGES_RELIABLE, other, key, JsonCodec.encode(misplaced)));
            Envelope good = text(alice, ConversationType.PEER, bob, "good after poison");
            produce(Topics.MESSAGES_RELIABLE, good);

            assertThat(awaitDelivery(deliveries, good, node).userIds()).containsExactlyInAnyOrder(alice, bob);
            assertDeadLettered(dlq, written, "routing-service/reliable");
            assertThat(deliveriesTo(deliveries, node, misplaced)).isEmpty();
        }
    }

    @Test
    void poisonPresenceAndMembershipRecords_areDeadLettered_andRoutingGoesOn() {
        Node node = Node.fresh("n-q", 12);
        String alice = unique("alice");
        String bob = unique("bob");
        connect(node, alice);
        String userKey = Presence.userKey(bob, node.id());
        String validPresence = JsonCodec.encode(new Presence(1, Presence.KIND_USER, node.id(), node.slot(), node.epoch(),
                bob, 1, List.of("r1"), System.currentTimeMillis()));
        Map<String, String> presenceKinds = PoisonRecords.jsonKinds(validPresence,
                j -> j.replace("[\"r1\"]", "[null]"), j -> j.replace("\"r1\"", "\"r\\u0000\""),
                j -> j.replace("\"r1\"", "\"" + "r".repeat(40) + "\""));
        presenceKinds.put("another user's entry under this key", validPresence.replace(bob, alice));
        String groupId = unique("g");
        String validMember = JsonCodec.encode(new Membership(1, Membership.KIND_MEMBER, groupId, bob, null, null, 1));
        Map<String, String> membershipKinds = PoisonRecords.jsonKinds(validMember, j -> j.replace("\"userId\":\"" + bob + "\"",
                "\"userId\":[null]"), j -> j.replace(bob, bob + "\\u0000"),
                j -> j.replace(groupId, "g".repeat(40)));
        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES);
                TopicProbe dlq = TopicProbe.fromEnd(kafka(), Topics.DLQ)) {
            List<PoisonRecords.Written> presence = PoisonRecords.write(kafka(), Topics.PRESENCE, userKey, presenceKinds);
            List<PoisonRecords.Written> membership = PoisonRecords.write(kafka(), Topics.MEMBERSHIP,
                    Membership.memberKey(groupId, bob), membershipKinds);
            online(bob, node, System.currentTimeMillis());
            awaitPresence(bob, node);
            group(groupId, alice, bob);

            Envelope afterwards = text(alice, ConversationType.GROUP, groupId, "tables still fold");
            produce(Topics.MESSAGES_RELIABLE, afterwards);
            assertThat(awaitDelivery(deliveries, afterwards, node).userIds()).containsExactlyInAnyOrder(alice, bob);
            assertDeadLettered(dlq, presence, "routing-service/presence");
            assertDeadLettered(dlq, membership, "routing-service/membership");
        }
    }

    @Test
    void groupReadReceipts_reachTheSenderFromEveryReader_onceEach() {
        Node node = Node.fresh("n-r", 13);
        String alice = unique("alice");
        String bob = unique("bob");
        String carol = unique("carol");
        connect(node, alice, bob, carol);
        String groupId = unique("g");
        group(groupId, alice, bob, carol);
        ConversationRef to = new ConversationRef(ConversationType.GROUP, groupId);
        Envelope plain = envelope(alice, to, MessageContent.text("read me"), unique("c"), null, null);
        Envelope asking = new Envelope(1, plain.messageId(), plain.clientMsgId(), plain.conversationKey(), to, plain.sender(),
                plain.timestamp(), null, null, null, true, null, plain.message());
        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            long orderKey = produce(Topics.MESSAGES_RELIABLE, asking).offset();
            for (String reader : List.of(bob, carol, bob)) {
                long now = System.currentTimeMillis();
                Envelope read = new Envelope(1, MessageIds.next(now), null, plain.conversationKey(), to,
                        new Sender(reader, null), now, null, null, null, null, null, null,
                        Action.receipt(orderKey, Action.READ));
                produce(Topics.MESSAGES_RELIABLE, read);
            }
            Envelope marker = text(alice, ConversationType.GROUP, groupId, "after the receipts");
            produce(Topics.MESSAGES_RELIABLE, marker);
            awaitDelivery(deliveries, marker, node);

            List<Delivery> receipts = deliveries.drain().stream().filter(r -> node.id().equals(r.key()))
                    .map(r -> JsonCodec.decode(r.value(), Delivery.class)).filter(d -> d.receipt() != null
                            && d.conversationKey().equals(plain.conversationKey()))
                    .toList();
            assertThat(receipts).extracting(d -> d.receipt().userId()).as("bob and carol, bob's second read adds nothing")
                    .containsExactly(bob, carol);
            assertThat(receipts).allSatisfy(d -> assertThat(d.userIds()).containsExactly(alice));
        }
    }

    @Test
    void conversationChanged_reachesEveryNodeOfEachNamedUser_withThatUsersOwnState() {
        Node nodeA = Node.fresh("n-cc-a", 14);
        Node nodeB = Node.fresh("n-cc-b", 15);
        String alice = unique("alice");
        String bob = unique("bob");
        connect(nodeA, alice, bob);
        connect(nodeB, bob);
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        ConversationChanged.Mention mention = new ConversationChanged.Mention("m-1", 3, alice, false);
        long now = System.currentTimeMillis();
        Envelope changed = new Envelope(1, MessageIds.next(now), null, ConversationKey.of(alice, toBob).value(), toBob,
                new Sender(alice, null), now, null, null, null, null, null, null,
                Action.conversationChanged(new ConversationChanged(null, now, List.of(
                        new ConversationChanged.UserState(alice, 0, List.of(), null),
                        new ConversationChanged.UserState(bob, 2, List.of(mention), 9L)))));
        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            produce(Topics.MESSAGES_RELIABLE, changed);
            Envelope marker = text(alice, ConversationType.PEER, bob, "after the change");
            produce(Topics.MESSAGES_RELIABLE, marker);
            awaitDelivery(deliveries, marker, nodeA);
            awaitDelivery(deliveries, marker, nodeB);

            List<ConsumerRecord<String, String>> records = deliveries.drain().stream()
                    .filter(r -> r.value().contains("\"conversationChanged\"")
                            && r.value().contains(changed.conversationKey()))
                    .toList();
            assertThat(records).extracting(r -> r.key() + "/" + JsonCodec.decode(r.value(), Delivery.class).userIds())
                    .containsExactlyInAnyOrder(nodeA.id() + "/[" + alice + "]", nodeA.id() + "/[" + bob + "]",
                            nodeB.id() + "/[" + bob + "]");
            assertThat(records).allSatisfy(r -> assertThat(r.partition()).isEqualTo(r.key().equals(nodeA.id())
                    ? nodeA.slot()
                    : nodeB.slot()));
            List<Delivery> bobs = records.stream().map(r -> JsonCodec.decode(r.value(), Delivery.class))
                    .filter(d -> d.userIds().contains(bob)).toList();
            assertThat(bobs).hasSize(2).allSatisfy(d -> {
                assertThat(d.conversationChanged().unreadCount()).isEqualTo(2);
                assertThat(d.conversationChanged().mentions()).containsExactly(mention);
                assertThat(d.conversationChanged().totalUnreadCount()).isEqualTo(9L);
                assertThat(d.message()).isNull();
            });
        }
    }

    @Test
    void reactionsChangedAndMessageEdited_reachTheConversationsParticipants_whileReactAndEditAreHistorys() {
        Node node = Node.fresh("n-mf", 8);
        String alice = unique("alice");
        String bob = unique("bob");
        String carol = unique("carol");
        String group = unique("g-mf");
        connect(node, alice, bob, carol);
        group(group, alice, bob);
        ConversationRef toGroup = new ConversationRef(ConversationType.GROUP, group);
        Envelope hello = text(alice, ConversationType.GROUP, group, "hello");
        Reaction thumbs = new Reaction("👍", 1, List.of(bob));
        Message edited = hello.toMessage().withOrder(0, null).edited(MessageContent.text("hello, edited"), 42L);
        Envelope react = envelope(bob, toGroup, null, null, null, null, Action.react(hello.messageId(), "👍", false));
        Envelope edit = envelope(alice, toGroup, null, null, null, null,
                Action.edit(hello.messageId(), MessageContent.text("hello, edited")));
        Envelope reactions = envelope(bob, toGroup, null, null, null, null,
                Action.reactionsChanged(hello.messageId(), List.of(thumbs)));
        Envelope messageEdited = envelope(alice, toGroup, null, null, null, null, Action.messageEdited(edited));
        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            produce(Topics.MESSAGES_RELIABLE, hello);
            produce(Topics.MESSAGES_RELIABLE, react);
            produce(Topics.MESSAGES_RELIABLE, edit);
            produce(Topics.MESSAGES_RELIABLE, reactions);
            produce(Topics.MESSAGES_RELIABLE, messageEdited);
            Envelope marker = text(alice, ConversationType.GROUP, group, "after the features");
            produce(Topics.MESSAGES_RELIABLE, marker);
            awaitDelivery(deliveries, marker, node);

            List<Delivery> features = deliveries.drain().stream().filter(r -> node.id().equals(r.key()))
                    .map(r -> JsonCodec.decode(r.value(), Delivery.class))
                    .filter(d -> d.conversationKey().equals(hello.conversationKey()) && d.message() == null).toList();
            assertThat(features).as("one delivery each of reactionsChanged and messageEdited, none of react and edit")
                    .hasSize(2);
            Delivery changed = features.stream().filter(d -> d.reactionsChanged() != null).findFirst().orElseThrow();
            assertThat(changed.userIds()).containsExactlyInAnyOrder(alice, bob);
            assertThat(changed.reactionsChanged().messageId()).isEqualTo(hello.messageId());
            assertThat(changed.reactionsChanged().reactions()).containsExactly(thumbs);
            Delivery edits = features.stream().filter(d -> d.messageEdited() != null).findFirst().orElseThrow();
            assertThat(edits.userIds()).containsExactlyInAnyOrder(alice, bob);
            assertThat(edits.messageEdited()).isEqualTo(edited);
        }
    }

    @Test
    void junkFeatureRecords_areDeadLettered_andRoutingGoesOn() {
        Node node = Node.fresh("n-mfj", 10);
        String alice = unique("alice");
        String bob = unique("bob");
        connect(node, alice, bob);
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        Envelope react = envelope(alice, toBob, null, null, null, null, Action.react("m-1", "👍", false));
        String json = JsonCodec.encode(react);
        Map<String, String> kinds = new LinkedHashMap<>();
        kinds.put("reaction too long", json.replace("\"👍\"", "\"" + "x".repeat(33) + "\""));
        kinds.put("reaction with NUL", json.replace("\"👍\"", "\"a\\u0000\""));
        kinds.put("edit to an image", JsonCodec.encode(envelope(alice, toBob, null, null, null, null,
                Action.edit("m-1", MessageContent.media(MessageType.IMAGE, null, "https://x/y.png")))));
        kinds.put("messageEdited without editedAt", JsonCodec.encode(envelope(alice, toBob, null, null, null, null,
                Action.messageEdited(react.toMessage().withOrder(0, null).edited(MessageContent.text("x"), 1L))))
                .replace("\"editedAt\":1,", ""));
        kinds.put("reactionsChanged naming nobody", JsonCodec.encode(envelope(alice, toBob, null, null, null, null,
                Action.reactionsChanged("m-1", List.of(new Reaction("👍", 1, List.of()))))));
        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES);
                TopicProbe dlq = TopicProbe.fromEnd(kafka(), Topics.DLQ)) {
            List<PoisonRecords.Written> written = PoisonRecords.write(kafka(), Topics.MESSAGES_RELIABLE,
                    react.conversationKey(), kinds);
            Envelope good = text(alice, ConversationType.PEER, bob, "good after junk features");
            produce(Topics.MESSAGES_RELIABLE, good);
            awaitDelivery(deliveries, good, node);
            assertDeadLettered(dlq, written, "routing-service/reliable");
        }
    }

    /** A request to the views with the service credential they require. */
    private static RequestSpecification views() {
        return RestAssured.given().auth().oauth2(Tokens.service("history-service"));
    }

    @Test
    void views_answerServiceCredentialsOnly() {
        RestAssured.get("/v1/routing/nodes").then().statusCode(401).body("error.code",
                Matchers.equalTo("UNAUTHORIZED"));
        RestAssured.given().auth().oauth2(Tokens.admin("mallory")).get("/v1/routing/presence/alice").then().statusCode(403)
                .body("error.code", Matchers.equalTo("FORBIDDEN"));
        views().get("/v1/routing/nodes").then().statusCode(200);
    }

    @Test
    void aRecordsTraceparent_goesOnUnchangedInItsDeliveries_whenTheSdkIsOff() {
        Node node = Node.fresh("gw-trace-off", 0);
        String alice = unique("alice");
        String bob = unique("bob");
        connect(node, bob);
        Envelope message = text(alice, ConversationType.PEER, bob, "traced");
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka(), Topics.DELIVERIES)) {
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.MESSAGES_RELIABLE,
                    message.conversationKey(), JsonCodec.encode(message));
            record.headers().add(RecordHeaders.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
            TopicProbe.produce(kafka(), record);
            assertThat(header(deliveries.await(deliveryOf(message, node)), RecordHeaders.TRACEPARENT))
                    .isEqualTo(traceparent);

            // none on the record (a backend that does not trace): the delivery starts a trace of its own
            Envelope untraced = text(alice, ConversationType.PEER, bob, "untraced");
            produce(Topics.MESSAGES_RELIABLE, untraced);
            assertThat(header(deliveries.await(deliveryOf(untraced, node)), RecordHeaders.TRACEPARENT))
                    .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
        }
    }
}
