package im.history;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

import im.protocol.Action;
import im.protocol.ConversationChanged;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.MessageRules;
import im.protocol.MessageType;
import im.protocol.ProtocolException;
import im.protocol.Reaction;
import im.protocol.RecordHeaders;
import im.protocol.RepliedTo;
import im.protocol.Sender;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.PoisonRecords;
import im.testkit.PostgresResource;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/**
 * v1.1 message features in history: replies are stored and answered with their quote; reactions are applied once per
 * (message, user, reaction), bounded, and answered as aggregates; edits are the sender's, applied in stream order (last
 * wins) and answered (search finds the new text); each applied one writes its {@code reactionsChanged} or
 * {@code messageEdited} action to the conversation's stream; junk goes to the DLQ and a react or edit of an unknown
 * message is dropped without stopping anything.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
class MessageFeaturesTest {

    private static String servers() {
        return EmbeddedKafka.shared().bootstrapServers();
    }

    private static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    private static Envelope record(String from, String to, MessageContent content, Action action) {
        long now = System.currentTimeMillis();
        ConversationRef ref = new ConversationRef(ConversationType.PEER, to);
        return new Envelope(1, MessageIds.next(now), null, ConversationKey.of(from, ref).value(), ref, new Sender(from, null),
                now, null, null, null, null, null, content, action);
    }

    private static Envelope produce(Envelope envelope) {
        TopicProbe.produce(servers(),
                new ProducerRecord<>(Topics.MESSAGES_RELIABLE, envelope.conversationKey(), JsonCodec.encode(envelope)));
        return envelope;
    }

    private static Envelope text(String from, String to, String text) {
        return produce(record(from, to, MessageContent.text(text), null));
    }

    private static Envelope react(String from, String to, String messageId, String reaction, boolean remove) {
        return produce(record(from, to, null, Action.react(messageId, reaction, remove)));
    }

    private static Envelope edit(String from, String to, String messageId, String text) {
        return produce(record(from, to, null, Action.edit(messageId, MessageContent.text(text))));
    }

    /** The next action of {@code type} about {@code messageId} that matches, checked as routing checks it. */
    private static Action awaitAction(TopicProbe probe, String type, String messageId,
            Predicate<Action> match) {
        ConsumerRecord<String, String> record = probe.await(r -> {
            if (!r.value().contains("\"" + type + "\"")) {
                return false;
            }
            Action action;
            try {
                action = JsonCodec.decode(r.value(), Envelope.class).action();
            } catch (ProtocolException junk) {
                return false; // the junk a test wrote
            }
            return action != null && action.type().equals(type) && messageId.equals(action.messageId())
                    && match.test(action);
        });
        assertThat(new String(record.headers().lastHeader(RecordHeaders.TYPE).value(), StandardCharsets.UTF_8))
                .isEqualTo(type);
        Envelope envelope = JsonCodec.decode(record.value(), Envelope.class);
        assertThat(MessageRules.checkEnvelope(envelope).value()).as("routing accepts it").isEqualTo(record.key());
        return envelope.action();
    }

    private static List<Message> history(String reader, String other) {
        String body = given().auth().oauth2(Tokens.user(reader)).get("/v1/conversations/peer/" + other + "/messages")
                .then().statusCode(200).extract().asString();
        return List.of(JsonCodec.decode(body, HistoryPage.class).messages());
    }

    /** The history answer's body as the app reads it. */
    record HistoryPage(Message[] messages, boolean hasMore) {}

    private static Message stored(String reader, String other, String messageId) {
        return history(reader, other).stream().filter(m -> m.messageId().equals(messageId)).findFirst().orElse(null);
    }

    @Test
    void reactions_areAppliedOnce_aggregated_andAnswered() {
        String alice = user("alice");
        String bob = user("bob");
        try (TopicProbe probe = TopicProbe.fromEnd(servers(), Topics.MESSAGES_RELIABLE)) {
            Envelope hello = text(alice, bob, "hello");
            react(bob, alice, hello.messageId(), "👍", false);
            react(bob, alice, hello.messageId(), "👍", false); // the same twice counts once
            react(alice, bob, hello.messageId(), "👍", false);
            react(alice, bob, hello.messageId(), "🎉", false);

            Action changed = awaitAction(probe, Action.REACTIONS_CHANGED, hello.messageId(),
                    a -> a.reactions().size() == 2);
            assertThat(changed.reactions()).containsExactly(new Reaction("👍", 2, List.of(bob, alice)),
                    new Reaction("🎉", 1, List.of(alice)));

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(stored(bob, alice, hello.messageId())
                    .reactions()).isEqualTo(changed.reactions()));
            String search = given().auth().oauth2(Tokens.user(alice)).queryParam("q", "hello").get("/v1/search").then()
                    .statusCode(200).extract().asString();
            assertThat(JsonPath.from(search).getList("messages.reactions.reaction")).contains(List.of("👍", "🎉"));

            // a remove, and the remove of one never given: the latter changes nothing and is no error
            react(alice, bob, hello.messageId(), "🎉", true);
            react(alice, bob, hello.messageId(), "🙈", true);
            awaitAction(probe, Action.REACTIONS_CHANGED, hello.messageId(), a -> a.reactions().size() == 1);
            given().auth().oauth2(Tokens.service("gateway-service")).queryParam("userId", alice)
                    .get("/v1/internal/messages/" + hello.messageId()).then().statusCode(200)
                    .body("type", equalTo("text"))
                    .body("preview", equalTo("hello"))
                    .body("reactions", contains("👍"))
                    .body("userReactions", contains("👍"));
        }
    }

    @Test
    void reactions_areBoundedPerMessageAndPerUser() {
        String alice = user("alice");
        String bob = user("bob");
        try (TopicProbe probe = TopicProbe.fromEnd(servers(), Topics.MESSAGES_RELIABLE)) {
            Envelope hello = text(alice, bob, "bounded");
            for (int i = 0; i < Reaction.MAX_PER_USER + 2; i++) {
                react(bob, alice, hello.messageId(), "b" + i, false);
            }
            react(alice, bob, hello.messageId(), "last", false);
            Action last = awaitAction(probe, Action.REACTIONS_CHANGED, hello.messageId(),
                    a -> a.reactions().stream().anyMatch(r -> r.reaction().equals("last")));
            assertThat(last.reactions().stream().filter(r -> r.userIds().contains(bob)).count())
                    .isEqualTo(Reaction.MAX_PER_USER);
        }
    }

    @Test
    void edits_areTheSendersOnly_appliedInOrder_andAnswered_andSearched() {
        String alice = user("alice");
        String bob = user("bob");
        try (TopicProbe probe = TopicProbe.fromEnd(servers(), Topics.MESSAGES_RELIABLE)) {
            Envelope original = text(alice, bob, "typo helo");
            edit(bob, alice, original.messageId(), "not bob's to edit");
            edit(alice, bob, original.messageId(), "first fix");
            edit(alice, bob, original.messageId(), "fixed hello zebra");

            Action edited = awaitAction(probe, Action.MESSAGE_EDITED, original.messageId(),
                    a -> "fixed hello zebra".equals(a.message().content().text()));
            Message message = edited.message();
            assertThat(message.orderKey()).isNotNull();
            assertThat(message.timestamp()).isEqualTo(original.timestamp());
            assertThat(message.sender().id()).isEqualTo(alice);
            assertThat(message.editedAt()).isNotNull();
            // the edited message was the conversation's last: both users' lists show the new text (live event)
            ConsumerRecord<String, String> live = probe.await(r -> {
                if (!r.value().contains("\"" + Action.CONVERSATION_CHANGED + "\"")) {
                    return false;
                }
                Message last = JsonCodec.decode(r.value(), Envelope.class).action().changed().lastMessage();
                return last != null && original.messageId().equals(last.messageId())
                        && "fixed hello zebra".equals(last.content().text());
            });
            assertThat(JsonCodec.decode(live.value(), Envelope.class).action().changed().users())
                    .extracting(ConversationChanged.UserState::userId).containsExactlyInAnyOrder(alice, bob);

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Message answered = stored(bob, alice, original.messageId());
                assertThat(answered.content().text()).isEqualTo("fixed hello zebra");
                assertThat(answered.editedAt()).isEqualTo(message.editedAt());
            });
            given().auth().oauth2(Tokens.user(bob)).queryParam("q", "zebra").get("/v1/search").then().statusCode(200)
                    .body("messages.messageId", contains(original.messageId()))
                    .body("messages[0].editedAt", notNullValue());
            given().auth().oauth2(Tokens.user(bob)).queryParam("q", "typo").get("/v1/search").then().statusCode(200)
                    .body("messages", empty());
        }
    }

    @Test
    void replies_areStoredAndAnsweredWithTheirQuote() {
        String alice = user("alice");
        String bob = user("bob");
        Envelope question = text(alice, bob, "lunch?");
        RepliedTo quote = new RepliedTo(question.messageId(), alice, MessageType.TEXT, "lunch?");
        Envelope reply = produce(record(bob, alice, MessageContent.text("yes"), null).withRepliedTo(quote));
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(stored(alice, bob, reply.messageId())).isNotNull()
                        .extracting(Message::repliedTo).isEqualTo(quote));
    }

    @Test
    void junkFeatureRecords_goToTheDlq_andUnknownTargets_areDropped() {
        String alice = user("alice");
        String bob = user("bob");
        Envelope valid = record(alice, bob, null, Action.react(MessageIds.next(1L), "👍", false));
        String json = JsonCodec.encode(valid);
        Map<String, String> kinds = new LinkedHashMap<>();
        kinds.put("reaction too long", json.replace("\"👍\"", "\"" + "x".repeat(40) + "\""));
        kinds.put("reaction with a control character", json.replace("\"👍\"", "\"a\\u0007b\""));
        kinds.put("react without messageId", json.replace("\"messageId\":\"" + valid.action().messageId() + "\",", ""));
        kinds.put("edit of a command", JsonCodec.encode(record(alice, bob, null,
                Action.edit("m-1", MessageContent.command("AA==")))));
        kinds.put("reactionsChanged with null inside", JsonCodec.encode(record(alice, bob, null,
                Action.reactionsChanged("m-1", List.of()))).replace("\"reactions\":[]", "\"reactions\":[null]"));
        kinds.put("reply without its quote", JsonCodec.encode(record(alice, bob, MessageContent.text("x"), null)
                .withRepliedTo(RepliedTo.of("m-1"))));
        try (TopicProbe dlq = TopicProbe.fromEnd(servers(), Topics.DLQ);
                TopicProbe probe = TopicProbe.fromEnd(servers(), Topics.MESSAGES_RELIABLE)) {
            List<PoisonRecords.Written> written = new ArrayList<>(
                    PoisonRecords.write(servers(), Topics.MESSAGES_RELIABLE, valid.conversationKey(), kinds));
            // a react and an edit of a message history never stored: dropped, and the stream goes on
            produce(valid);
            edit(alice, bob, MessageIds.next(2L), "nothing to edit");
            Envelope after = text(alice, bob, "after the junk");
            react(bob, alice, after.messageId(), "👌", false);
            awaitAction(probe, Action.REACTIONS_CHANGED, after.messageId(), a -> a.reactions().size() == 1);

            for (PoisonRecords.Written poison : written) {
                ConsumerRecord<String, String> dead = dlq.await(r -> Topics.MESSAGES_RELIABLE.equals(
                        header(r, RecordHeaders.ORIGIN_TOPIC))
                        && String.valueOf(poison.partition()).equals(header(r, RecordHeaders.ORIGIN_PARTITION))
                        && String.valueOf(poison.offset()).equals(header(r, RecordHeaders.ORIGIN_OFFSET))
                        && "history-service/reliable".equals(header(r, RecordHeaders.DEAD_LETTERED_BY)));
                assertThat(header(dead, RecordHeaders.ERROR)).as(poison.kind()).isEqualTo("INVALID_REQUEST");
            }
        }
    }

    private static String header(ConsumerRecord<String, String> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
