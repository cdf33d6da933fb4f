package im.history;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.Mentions;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.Sender;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.PostgresResource;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/**
 * Deletes for me (PROTOCOL v1.1): one message, a clear, a removal from the list — each 204 and holding at once for the
 * caller (history, the conversation list's unread and mentions, search), never for the others.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
class DeleteForMeTest {

    private static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    private static String word() {
        return "okapi" + UUID.randomUUID().toString().substring(0, 6);
    }

    /** Produces a message; answers its messageId. */
    private static String produce(String from, ConversationRef to, String text, Mentions mentions) {
        long now = System.currentTimeMillis();
        Envelope envelope = new Envelope(1, MessageIds.next(now), null, ConversationKey.of(from, to).value(), to,
                new Sender(from, null), now, null, mentions, null, null, null, MessageContent.text(text));
        TopicProbe.produce(EmbeddedKafka.shared().bootstrapServers(),
                new ProducerRecord<>(Topics.MESSAGES_RELIABLE, envelope.conversationKey(), JsonCodec.encode(envelope)));
        return envelope.messageId();
    }

    private static JsonPath get(String userId, String path) {
        return given().auth().oauth2(Tokens.user(userId)).get(path).then().statusCode(200).extract().jsonPath();
    }

    private static List<String> texts(String userId, String type, String id) {
        return get(userId, "/v1/conversations/" + type + "/" + id + "/messages?limit=100").getList("messages.text");
    }

    private static void awaitTexts(String userId, String type, String id, int count) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> texts(userId, type, id).size() >= count);
    }

    private static Map<String, Object> item(String userId, String id) {
        return get(userId, "/v1/conversations").getMap("conversations.find { it.conversation.id == '" + id + "' }");
    }

    private static List<String> search(String userId, String q) {
        return given().auth().oauth2(Tokens.user(userId)).queryParam("q", q).get("/v1/search").then().statusCode(200)
                .extract().jsonPath().getList("messages.messageId");
    }

    private static void delete(String userId, String path, int status) {
        given().auth().oauth2(Tokens.user(userId)).urlEncodingEnabled(false).delete(path).then().statusCode(status);
    }

    @Test
    void deleteMessage_hidesItFromMeAtOnce_inHistoryUnreadMentionsAndSearch_whileTheOtherKeepsIt() {
        String alice = user("alice");
        String bob = user("bob");
        String word = word();
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        produce(alice, toBob, "one", null);
        String second = produce(alice, toBob, "two " + word, new Mentions(List.of(bob), false));
        produce(alice, toBob, "three", null);
        awaitTexts(bob, "peer", alice, 3);
        assertThat(item(bob, alice)).containsEntry("unreadCount", 3);
        assertThat(search(bob, word)).containsExactly(second);

        delete(bob, "/v1/conversations/peer/" + alice + "/messages/" + second, 204);

        assertThat(texts(bob, "peer", alice)).containsExactly("three", "one");
        Map<String, Object> item = item(bob, alice);
        assertThat(item).containsEntry("unreadCount", 2);
        assertThat((List<?>) item.get("mentions")).isEmpty();
        assertThat(search(bob, word)).isEmpty();
        assertThat(texts(alice, "peer", bob)).containsExactly("three", "two " + word, "one");
        assertThat(search(alice, word)).containsExactly(second);
        // again: still 204, nothing changes
        delete(bob, "/v1/conversations/peer/" + alice + "/messages/" + second, 204);
        assertThat(texts(bob, "peer", alice)).containsExactly("three", "one");
        // the last message deleted: the list shows the one before it
        String third = get(bob, "/v1/conversations/peer/" + alice + "/messages?limit=1").getString("messages[0].messageId");
        delete(bob, "/v1/conversations/peer/" + alice + "/messages/" + third, 204);
        assertThat(item(bob, alice)).extracting(m -> ((Map<?, ?>) m.get("lastMessage")).get("text")).isEqualTo("one");
    }

    @Test
    void deleteMessage_isNotFound_forAMessageOfAnotherConversationOrNoneAtAll() {
        String alice = user("alice");
        String bob = user("bob");
        String carol = user("carol");
        String elsewhere = produce(alice, new ConversationRef(ConversationType.PEER, carol), "for carol", null);
        produce(alice, new ConversationRef(ConversationType.PEER, bob), "for bob", null);
        awaitTexts(bob, "peer", alice, 1);
        awaitTexts(carol, "peer", alice, 1);
        for (String id : List.of(elsewhere, MessageIds.next(System.currentTimeMillis()))) {
            given().auth().oauth2(Tokens.user(bob)).delete("/v1/conversations/peer/" + alice + "/messages/" + id).then()
                    .statusCode(404).body("error.code", Matchers.equalTo("NOT_FOUND"));
        }
        assertThat(texts(carol, "peer", alice)).containsExactly("for carol");
    }

    @Test
    void clear_hidesEverythingUpToNow_forMeOnly_andNewerMessagesShowAndCount() {
        String alice = user("alice");
        String bob = user("bob");
        String group = user("g");
        String word = word();
        for (String member : List.of(alice, bob)) {
            TopicProbe.produce(EmbeddedKafka.shared().bootstrapServers(), new ProducerRecord<>(Topics.MEMBERSHIP,
                    Membership.memberKey(group, member),
                    JsonCodec.encode(new Membership(1, Membership.KIND_MEMBER, group, member, null, null, 1L))));
        }
        ConversationRef toGroup = new ConversationRef(ConversationType.GROUP, group);
        produce(alice, toGroup, "hello " + word, null);
        produce(alice, toGroup, "@all " + word, new Mentions(List.of(), true));
        awaitTexts(bob, "group", group, 2);
        assertThat(item(bob, group)).containsEntry("unreadCount", 2);

        delete(bob, "/v1/conversations/group/" + group + "/messages", 204);

        assertThat(texts(bob, "group", group)).isEmpty();
        assertThat(get(bob, "/v1/conversations/group/" + group + "/messages?after=-1").getList("messages")).isEmpty();
        Map<String, Object> item = item(bob, group);
        assertThat(item).containsEntry("unreadCount", 0).doesNotContainKey("lastMessage");
        assertThat((List<?>) item.get("mentions")).isEmpty();
        assertThat(search(bob, word)).isEmpty();
        assertThat(search(alice, word)).hasSize(2);
        assertThat(texts(alice, "group", group)).hasSize(2);

        produce(alice, toGroup, "after the clear", null);
        awaitTexts(bob, "group", group, 1);
        assertThat(texts(bob, "group", group)).containsExactly("after the clear");
        assertThat(item(bob, group)).containsEntry("unreadCount", 1);
    }

    @Test
    void remove_takesTheConversationOffMyList_untilTheNextMessage_whichAloneCountsAsUnread() {
        String alice = user("alice");
        String bob = user("bob");
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        produce(alice, toBob, "one", null);
        produce(alice, toBob, "two", null);
        awaitTexts(bob, "peer", alice, 2);

        delete(bob, "/v1/conversations/peer/" + alice, 204);

        assertThat(item(bob, alice)).isNull();
        assertThat(item(alice, bob)).isNotNull();
        produce(alice, toBob, "three", null);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> item(bob, alice) != null);
        Map<String, Object> back = item(bob, alice);
        assertThat(back).containsEntry("unreadCount", 1);
        assertThat(((Map<?, ?>) back.get("lastMessage")).get("text")).isEqualTo("three");
    }

    @Test
    void badInput_isInvalidRequest_outsidersForbidden_unknownConversationsNotFound() {
        String alice = user("alice");
        String bob = user("bob");
        String mallory = user("mallory");
        produce(alice, new ConversationRef(ConversationType.PEER, bob), "private", null);
        awaitTexts(bob, "peer", alice, 1);
        for (String path : List.of("/v1/conversations/peer/" + alice + "/messages/a%00b",
                "/v1/conversations/peer/" + alice + "/messages/" + "x".repeat(65),
                "/v1/conversations/planet/x/messages", "/v1/conversations/peer/b%00b",
                "/v1/conversations/peer/" + "y".repeat(40) + "/messages")) {
            given().auth().oauth2(Tokens.user(bob)).urlEncodingEnabled(false).delete(path).then().statusCode(400)
                    .body("error.code", Matchers.equalTo("INVALID_REQUEST"));
        }
        for (String path : List.of("/v1/conversations/group/nope", "/v1/conversations/group/nope/messages",
                "/v1/conversations/group/nope/messages/" + MessageIds.next(1))) {
            given().auth().oauth2(Tokens.user(mallory)).delete(path).then().statusCode(403)
                    .body("error.code", Matchers.equalTo("FORBIDDEN"));
        }
        for (String path : List.of("/v1/conversations/peer/" + mallory, "/v1/conversations/peer/" + mallory + "/messages")) {
            given().auth().oauth2(Tokens.user(bob)).delete(path).then().statusCode(404)
                    .body("error.code", Matchers.equalTo("NOT_FOUND"));
        }
        given().delete("/v1/conversations/peer/" + alice).then().statusCode(401)
                .body("error.code", Matchers.equalTo("UNAUTHORIZED"));
        assertThat(texts(alice, "peer", bob)).containsExactly("private");
        assertThat(texts(bob, "peer", alice)).containsExactly("private");
    }
}
