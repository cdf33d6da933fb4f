package im.history;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import im.protocol.Action;
import im.protocol.ConversationChanged;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.Mentions;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.MessageRules;
import im.protocol.RecordHeaders;
import im.protocol.Sender;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.PostgresResource;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/**
 * Live conversations (PROTOCOL v1.1): history writes {@code conversationChanged} actions to the conversation after a
 * stored batch (every participant: the recipient's unread and total, the sender's unchanged), after a read and after a
 * delete (the one user), each valid for routing and never stored as a message.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
class LiveConversationsTest {

    private static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    private static Envelope produce(String from, ConversationRef to, String text, Mentions mentions) {
        long now = System.currentTimeMillis();
        Envelope envelope = new Envelope(1, MessageIds.next(now), null, ConversationKey.of(from, to).value(), to,
                new Sender(from, null), now, null, mentions, null, null, null, MessageContent.text(text));
        TopicProbe.produce(EmbeddedKafka.shared().bootstrapServers(),
                new ProducerRecord<>(Topics.MESSAGES_RELIABLE, envelope.conversationKey(), JsonCodec.encode(envelope)));
        return envelope;
    }

    /** Records of the probe already looked at by {@link #awaitChange}: each wait looks only at later ones. */
    private int seen;

    /** The next conversationChanged of {@code key} (after the last one awaited) whose entry for {@code userId} matches. */
    private ConversationChanged awaitChange(TopicProbe probe, String key, String userId,
            Predicate<ConversationChanged.UserState> match) {
        ConsumerRecord<String, String> record = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    List<ConsumerRecord<String, String>> all = probe.drain();
                    for (int i = seen; i < all.size(); i++) {
                        ConsumerRecord<String, String> r = all.get(i);
                        if (r.key().equals(key) && r.value().contains("conversationChanged")
                                && JsonCodec.decode(r.value(), Envelope.class).action().changed().users().stream()
                                        .anyMatch(u -> u.userId().equals(userId) && match.test(u))) {
                            seen = i + 1;
                            return r;
                        }
                    }
                    return null;
                }, r -> r != null);
        assertThat(new String(record.headers().lastHeader(RecordHeaders.TYPE).value(), StandardCharsets.UTF_8))
                .isEqualTo(Action.CONVERSATION_CHANGED);
        Envelope envelope = JsonCodec.decode(record.value(), Envelope.class);
        assertThat(MessageRules.checkEnvelope(envelope).value()).as("routing accepts it").isEqualTo(key);
        return envelope.action().changed();
    }

    private static ConversationChanged.UserState of(ConversationChanged changed, String userId) {
        return changed.users().stream().filter(u -> u.userId().equals(userId)).findFirst().orElseThrow();
    }

    @Test
    void storedMessages_readAndDelete_eachWriteTheUsersNewState() {
        String alice = user("alice");
        String bob = user("bob");
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        String key = ConversationKey.of(alice, toBob).value();
        try (TopicProbe probe = TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.MESSAGES_RELIABLE)) {
            produce(alice, toBob, "one", null);
            Envelope second = produce(alice, toBob, "@bob two", new Mentions(List.of(bob), false));

            ConversationChanged stored = awaitChange(probe, key, bob, u -> u.unreadCount() == 2);
            assertThat(stored.lastMessage().messageId()).isEqualTo(second.messageId());
            assertThat(of(stored, bob).totalUnreadCount()).isEqualTo(2L);
            assertThat(of(stored, bob).mentions()).extracting(ConversationChanged.Mention::messageId)
                    .containsExactly(second.messageId());
            assertThat(of(stored, alice).unreadCount()).as("the sender's unread is unchanged").isZero();
            assertThat(of(stored, alice).totalUnreadCount()).as("and so is her total").isNull();

            long secondKey = stored.lastMessage().orderKey();
            given().auth().oauth2(Tokens.user(bob)).contentType(ContentType.JSON).body(Map.of("orderKey", secondKey))
                    .post("/v1/conversations/peer/" + alice + "/read").then().statusCode(200);
            ConversationChanged read = awaitChange(probe, key, bob, u -> u.unreadCount() == 0);
            assertThat(read.users()).extracting(ConversationChanged.UserState::userId).containsExactly(bob);
            assertThat(of(read, bob).totalUnreadCount()).isZero();
            assertThat(of(read, bob).mentions()).isEmpty();

            Envelope third = produce(alice, toBob, "three", null);
            awaitChange(probe, key, bob, u -> u.unreadCount() == 1);
            given().auth().oauth2(Tokens.user(bob)).delete("/v1/conversations/peer/" + alice + "/messages/"
                    + third.messageId()).then().statusCode(204);
            ConversationChanged deleted = awaitChange(probe, key, bob, u -> u.unreadCount() == 0);
            assertThat(deleted.lastMessage().messageId()).as("the message before the deleted one")
                    .isEqualTo(second.messageId());
            assertThat(of(deleted, bob).totalUnreadCount()).isZero();

            given().auth().oauth2(Tokens.user(bob)).delete("/v1/conversations/peer/" + alice + "/messages").then()
                    .statusCode(204);
            ConversationChanged cleared = awaitChange(probe, key, bob, u -> true);
            assertThat(cleared.lastMessage()).isNull();
            assertThat(of(cleared, bob).totalUnreadCount()).as("the total did not change").isNull();

            given().auth().oauth2(Tokens.user(bob)).delete("/v1/conversations/peer/" + alice).then().statusCode(204);
            assertThat(of(awaitChange(probe, key, bob, u -> Boolean.TRUE.equals(u.removed())), bob).unreadCount()).isZero();

            // a recall in the conversation bob removed does not bring it back to his list: alice alone hears of it
            long now = System.currentTimeMillis();
            Envelope recall = new Envelope(1, MessageIds.next(now), null, key, toBob, new Sender(alice, null), now, null,
                    null, null, null, null, null, Action.revoke(third.messageId()));
            TopicProbe.produce(EmbeddedKafka.shared().bootstrapServers(),
                    new ProducerRecord<>(Topics.MESSAGES_RELIABLE, key, JsonCodec.encode(recall)));
            ConversationChanged recalled = awaitChange(probe, key, alice, u -> true);
            assertThat(recalled.users()).extracting(ConversationChanged.UserState::userId).containsExactly(alice);
            assertThat(recalled.lastMessage().revoked()).isTrue();
        }
        // history's own events are not messages: nothing more is stored ("three" is the recalled tombstone)
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(given().auth().oauth2(Tokens.user(alice))
                .get("/v1/conversations/peer/" + bob + "/messages").then().statusCode(200).extract().jsonPath()
                .getList("messages.text")).containsExactly(null, "@bob two", "one"));
    }

    @Test
    void rooms_getNoEvents() {
        String alice = user("alice");
        String room = user("r");
        ConversationRef toRoom = new ConversationRef(ConversationType.ROOM, room);
        String roomKey = ConversationKey.of(alice, toRoom).value();
        String bob = user("bob");
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        try (TopicProbe probe = TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.MESSAGES_RELIABLE)) {
            produce(alice, toRoom, "to the room", null);
            // a marker after the room message, on its own key: once its event is written, the room's would be too
            produce(alice, toBob, "marker", null);
            awaitChange(probe, ConversationKey.of(alice, toBob).value(), bob, u -> u.unreadCount() == 1);
            assertThat(probe.drain()).noneMatch(r -> r.key().equals(roomKey) && r.value().contains("conversationChanged"));
        }
    }
}
