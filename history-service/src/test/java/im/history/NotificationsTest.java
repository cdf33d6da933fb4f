package im.history;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

import im.history.notification.OnlineUsers;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.MembershipView;
import im.protocol.Mentions;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.Notification;
import im.protocol.Presence;
import im.protocol.Sender;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.PostgresResource;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/**
 * {@code im.notifications} against a real broker and PostgreSQL: one record per stored message per recipient with no
 * online session (presence folded from {@code im.presence}), with the recipient's unread counts and the mention flag;
 * none for the sender or an online recipient. Notifications of one user share a partition (key = userId), so a later
 * one arriving proves an earlier one was not written.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
class NotificationsTest {

    @Inject
    OnlineUsers online;

    @Inject
    MembershipView membership;

    private static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    private static String bootstrap() {
        return EmbeddedKafka.shared().bootstrapServers();
    }

    private static Envelope send(String from, ConversationRef to, String text, Mentions mentions) {
        long now = System.currentTimeMillis();
        Envelope envelope = new Envelope(1, MessageIds.next(now), null, ConversationKey.of(from, to).value(), to,
                new Sender(from, from.toUpperCase()), now, null, mentions, null, null, null, MessageContent.text(text));
        TopicProbe.produce(bootstrap(), new ProducerRecord<>(Topics.MESSAGES_RELIABLE, envelope.conversationKey(),
                JsonCodec.encode(envelope)));
        return envelope;
    }

    private static List<Notification> of(TopicProbe probe, String userId) {
        return probe.drain().stream().filter(r -> userId.equals(r.key()))
                .map(r -> JsonCodec.decode(r.value(), Notification.class)).toList();
    }

    private static Notification notified(TopicProbe probe, String userId, String messageId) {
        ConsumerRecord<String, String> record = probe.await(r -> userId.equals(r.key()) && r.value().contains(messageId));
        return JsonCodec.decode(record.value(), Notification.class);
    }

    private static void presence(String key, Presence value) {
        TopicProbe.produce(bootstrap(), new ProducerRecord<>(Topics.PRESENCE, key, value == null
                ? null
                : JsonCodec.encode(value)));
    }

    /** Adds the members and waits until history knows them (its membership table is folded on another loop). */
    private void join(String group, String... members) {
        for (String member : members) {
            TopicProbe.produce(bootstrap(), new ProducerRecord<>(Topics.MEMBERSHIP, Membership.memberKey(group, member),
                    JsonCodec.encode(new Membership(1, Membership.KIND_MEMBER, group, member, null, null, 1L))));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> membership.members(group).size() == members.length);
    }

    @Test
    void offlineRecipient_getsOnePerMessage_withTheUnreadCounts_andTheSenderNone() {
        String alice = user("alice");
        String bob = user("bob");
        String carol = user("carol");
        try (TopicProbe probe = TopicProbe.fromEnd(bootstrap(), Topics.NOTIFICATIONS)) {
            Envelope first = send(alice, new ConversationRef(ConversationType.PEER, bob), "hi bob", null);
            Envelope second = send(alice, new ConversationRef(ConversationType.PEER, bob), "x".repeat(150), null);
            Notification one = notified(probe, bob, first.messageId());
            Notification two = notified(probe, bob, second.messageId());
            Envelope other = send(carol, new ConversationRef(ConversationType.PEER, bob), "from carol", null);
            Notification three = notified(probe, bob, other.messageId());
            assertThat(one.conversation()).isEqualTo(new ConversationRef(ConversationType.PEER, alice));
            assertThat(one.senderId()).isEqualTo(alice);
            assertThat(one.senderName()).isEqualTo(alice.toUpperCase());
            assertThat(one.preview()).isEqualTo("hi bob");
            assertThat(one.conversationUnreadCount()).isEqualTo(1);
            assertThat(one.mentioned()).isFalse();
            assertThat(two.preview()).hasSize(Notification.PREVIEW_MAX_CHARS);
            assertThat(two.conversationUnreadCount()).isEqualTo(2);
            assertThat(three.conversation()).isEqualTo(new ConversationRef(ConversationType.PEER, carol));
            assertThat(three.conversationUnreadCount()).isEqualTo(1);
            assertThat(three.totalUnreadCount()).isEqualTo(3);

            // the sender is told nothing of her own messages: her first notification is bob's answer
            Envelope answer = send(bob, new ConversationRef(ConversationType.PEER, alice), "hi alice", null);
            notified(probe, alice, answer.messageId());
            assertThat(of(probe, alice)).extracting(Notification::messageId).containsExactly(answer.messageId());
        }
    }

    @Test
    void onlineRecipient_getsNone_untilTheyGoOffline() {
        String alice = user("alice");
        String bob = user("bob");
        String node = user("gw");
        long epoch = System.currentTimeMillis();
        presence(Presence.nodeKey(node), new Presence(1, Presence.KIND_NODE, node, 0, epoch, null, null, null, epoch));
        presence(Presence.userKey(bob, node),
                new Presence(1, Presence.KIND_USER, node, 0, epoch, bob, 1, List.of(), epoch));
        await().atMost(Duration.ofSeconds(20)).until(() -> online.isOnline(bob));
        try (TopicProbe probe = TopicProbe.fromEnd(bootstrap(), Topics.NOTIFICATIONS)) {
            Envelope whileOnline = send(alice, new ConversationRef(ConversationType.PEER, bob), "you are here", null);
            // history stores in the conversation's order: once the next message is stored, the first was too
            awaitStored(bob, alice, whileOnline.messageId());
            presence(Presence.userKey(bob, node), null);
            await().atMost(Duration.ofSeconds(20)).until(() -> !online.isOnline(bob));
            Envelope whileOffline = send(alice, new ConversationRef(ConversationType.PEER, bob), "and now?", null);

            Notification only = notified(probe, bob, whileOffline.messageId());
            assertThat(of(probe, bob)).extracting(Notification::messageId).containsExactly(whileOffline.messageId());
            assertThat(only.conversationUnreadCount()).isEqualTo(2); // the first is unread all the same
        }
    }

    @Test
    void groupMessages_notifyEveryOfflineMemberButTheSender_withTheMentionFlag_andLargeGroupsOnlyTheMentioned() {
        String alice = user("alice");
        String bob = user("bob");
        String carol = user("carol");
        String dave = user("dave");
        String small = user("g");
        String large = user("big");
        join(small, alice, bob, carol);
        join(large, alice, bob, carol, dave); // more than max-group-members (3 in tests)
        try (TopicProbe probe = TopicProbe.fromEnd(bootstrap(), Topics.NOTIFICATIONS)) {
            Envelope mention = send(alice, new ConversationRef(ConversationType.GROUP, small), "@bob look",
                    new Mentions(List.of(bob), false));
            Notification toBob = notified(probe, bob, mention.messageId());
            Notification toCarol = notified(probe, carol, mention.messageId());
            assertThat(toBob.mentioned()).isTrue();
            assertThat(toCarol.mentioned()).isFalse();
            assertThat(toBob.conversation()).isEqualTo(new ConversationRef(ConversationType.GROUP, small));

            Envelope toAll = send(alice, new ConversationRef(ConversationType.GROUP, large), "hello all", null);
            Envelope toDave = send(alice, new ConversationRef(ConversationType.GROUP, large), "@dave you",
                    new Mentions(List.of(dave), false));
            Notification daves = notified(probe, dave, toDave.messageId());
            assertThat(daves.mentioned()).isTrue();
            assertThat(daves.conversationUnreadCount()).isEqualTo(2);
            assertThat(of(probe, dave)).extracting(Notification::messageId).containsExactly(toDave.messageId());
            assertThat(probe.drain()).noneMatch(r -> r.value().contains(toAll.messageId()));
            assertThat(of(probe, alice)).isEmpty();
        }
    }

    /** Waits until history answers {@code messageId} in {@code reader}'s history with {@code sender}. */
    private static void awaitStored(String reader, String sender, String messageId) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> given().auth().oauth2(Tokens.user(reader)).get("/v1/conversations/peer/" + sender + "/messages")
                        .then().extract().asString().contains(messageId));
    }
}
