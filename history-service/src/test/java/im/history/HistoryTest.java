package im.history;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

import im.history.persistence.BatchWriter;
import im.protocol.Action;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.MediaWithdrawn;
import im.protocol.Membership;
import im.protocol.Mentions;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.MessageType;
import im.protocol.RecordHeaders;
import im.protocol.Sender;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.PostgresResource;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/** Storage and the history API against a real broker and a real PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
class HistoryTest {

    @Inject
    BatchWriter writer;

    private static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    private static long produce(String from, ConversationRef to, MessageContent content, String clientMsgId,
            Mentions mentions) {
        return produce(envelope(from, to, content, clientMsgId, mentions));
    }

    private static Envelope envelope(String from, ConversationRef to, MessageContent content, String clientMsgId,
            Mentions mentions) {
        long now = System.currentTimeMillis();
        return new Envelope(1, MessageIds.next(now), clientMsgId, ConversationKey.of(from, to).value(), to,
                new Sender(from, null), now, null, mentions, null, null, null, content);
    }

    private static long produce(Envelope envelope) {
        return TopicProbe.produce(EmbeddedKafka.shared().bootstrapServers(),
                new ProducerRecord<>(Topics.MESSAGES_RELIABLE, envelope.conversationKey(), JsonCodec.encode(envelope)))
                .offset();
    }

    private static JsonPath history(String userId, String type, String id, String query) {
        return given().auth().oauth2(Tokens.user(userId)).get("/v1/conversations/" + type + "/" + id + "/messages"
                + (query == null ? "" : "?" + query)).then().statusCode(200).extract().jsonPath();
    }

    private static List<Message> awaitHistory(String userId, String type, String id, int count) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> history(userId, type, id, "limit=100").getList("messages").size() >= count);
        return messages(history(userId, type, id, "limit=100"));
    }

    private static List<Message> messages(JsonPath json) {
        List<Message> list = new ArrayList<>();
        for (Object item : json.getList("messages")) {
            list.add(JsonCodec.decode(JsonCodec.encode(item), Message.class));
        }
        return list;
    }

    private static MessageContent content(MessageType type, String text) {
        return new MessageContent(type, text, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void everyReliableType_isStored_inOrder() {
        String alice = user("alice");
        String bob = user("bob");
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        String url = "https://files.example/a";
        List<MessageContent> contents = List.of(MessageContent.text("hello"),
                new MessageContent(MessageType.IMAGE, null, null, null, url, url + "-t", url + "-l", null, "a.png", 10L,
                        "image/png", 40, 30, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                        null),
                new MessageContent(MessageType.FILE, null, null, null, url, null, null, null, "a.pdf", 10L, "application/pdf",
                        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null),
                new MessageContent(MessageType.AUDIO, null, null, null, url, null, null, null, "a.mp3", 10L, "audio/mpeg",
                        null, null, 12, null, null, null, null, null, null, null, null, null, null, null, null, null, null),
                new MessageContent(MessageType.VIDEO, null, null, null, url, null, null, url + "-f", "a.mp4", 10L, "video/mp4",
                        null, null, null, 9, null, null, null, null, null, null, null, null, null, null, null, null, null),
                new MessageContent(MessageType.LOCATION, null, null, null, null, null, null, null, null, null, null, null, null,
                        null, null, 31.2, 121.5, "Bund", "Tower", null, null, null, null, null, null, null, null, null),
                new MessageContent(MessageType.COMBINE, null, null, null, null, null, null, null, null, null, null, null, null,
                        null, null, null, null, null, null, "Chat", "2 messages", List.of(new Message("m0", null, null, null,
                                new Sender(alice, null), 1L, null, null, null, MessageContent.text("old"))),
                        null, null, null, null, null,
                        null),
                new MessageContent(MessageType.CUSTOM, "{\"card\":1}", null, null, null, null, null, null, null, null, null,
                        null, null, null, null, null, null, null, null, null, null, null, 7, "business card", null, null, null,
                        null),
                new MessageContent(MessageType.TIPS, null, null, null, null, null, null, null, null, null, null, null, null,
                        null,
                        null, null, null, null, null, null, null, null, null, null, "joined", alice, List.of(bob), null));
        List<Long> offsets = new ArrayList<>();
        for (MessageContent c : contents) {
            offsets.add(produce(alice, toBob, c, null, null));
        }

        List<Message> stored = awaitHistory(bob, "peer", alice, contents.size());

        assertThat(stored).extracting(m -> m.content().type()).containsExactly(MessageType.TIPS, MessageType.CUSTOM,
                MessageType.COMBINE, MessageType.LOCATION, MessageType.VIDEO, MessageType.AUDIO, MessageType.FILE,
                MessageType.IMAGE, MessageType.TEXT);
        List<Long> newestFirst = new ArrayList<>(offsets);
        Collections.reverse(newestFirst);
        assertThat(stored).extracting(Message::orderKey).containsExactlyElementsOf(newestFirst);
        assertThat(stored.get(3).content().latitude()).isEqualTo(31.2);
        assertThat(stored.get(2).content().messages()).hasSize(1);
        assertThat(stored.get(7).content().width()).isEqualTo(40);
    }

    @Test
    void redeliveryAndRetries_storeNothingTwice() {
        String alice = user("alice");
        String bob = user("bob");
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        Envelope first = envelope(alice, toBob, MessageContent.text("once"), "same", null);
        produce(first);
        produce(first);
        produce(envelope(alice, toBob, MessageContent.text("once"), "same", null));
        produce(alice, toBob, MessageContent.text("marker"), "other", null);

        List<Message> stored = awaitHistory(alice, "peer", bob, 2);

        assertThat(stored).extracting(m -> m.content().text()).containsExactly("marker", "once");
        assertThat(stored.get(1).messageId()).isEqualTo(first.messageId());
    }

    @Test
    void history_pagesBothWays() {
        String alice = user("alice");
        String bob = user("bob");
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        List<Long> keys = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            keys.add(produce(alice, toBob, MessageContent.text("p" + i), "p" + i, null));
        }
        awaitHistory(alice, "peer", bob, 7);

        JsonPath newest = history(alice, "peer", bob, "limit=3");
        assertThat(messages(newest)).extracting(m -> m.content().text()).containsExactly("p6", "p5", "p4");
        assertThat(newest.getBoolean("hasMore")).isTrue();
        JsonPath older = history(alice, "peer", bob, "before=" + keys.get(4) + "&limit=3");
        assertThat(messages(older)).extracting(m -> m.content().text()).containsExactly("p3", "p2", "p1");
        JsonPath gap = history(alice, "peer", bob, "after=" + keys.get(1) + "&limit=10");
        assertThat(messages(gap)).extracting(m -> m.content().text()).containsExactly("p2", "p3", "p4", "p5", "p6");
        assertThat(gap.getBoolean("hasMore")).isFalse();
        given().auth().oauth2(Tokens.user(alice)).get("/v1/conversations/peer/" + bob + "/messages?before=1&after=2")
                .then().statusCode(400).body("error.code", Matchers.equalTo("INVALID_REQUEST"));
    }

    @Test
    void unreadCountsAndMentions_clearWhenRead() {
        String alice = user("alice");
        String bob = user("bob");
        String carol = user("carol");
        String group = user("g");
        String bootstrap = EmbeddedKafka.shared().bootstrapServers();
        for (String member : List.of(alice, bob, carol)) {
            TopicProbe.produce(bootstrap, new ProducerRecord<>(Topics.MEMBERSHIP, Membership.memberKey(group, member),
                    JsonCodec.encode(new Membership(1, Membership.KIND_MEMBER, group, member, null, null, 1L))));
        }
        ConversationRef toGroup = new ConversationRef(ConversationType.GROUP, group);
        produce(alice, toGroup, MessageContent.text("hi all"), null, null);
        produce(alice, toGroup, MessageContent.text("@bob look"), null, new Mentions(List.of(bob), false));
        long last = produce(carol, toGroup, MessageContent.text("@all meeting"), null, new Mentions(List.of(), true));
        produce(bob, toGroup, MessageContent.text("mine"), null, null);
        awaitHistory(bob, "group", group, 4);

        JsonPath list = given().auth().oauth2(Tokens.user(bob)).get("/v1/conversations").then().statusCode(200).extract()
                .jsonPath();
        Map<String, Object> item = list.getMap("conversations.find { it.conversation.id == '" + group + "' }");
        assertThat(item).containsEntry("unreadCount", 3);
        assertThat((List<?>) item.get("mentions")).hasSize(2);

        given().auth().oauth2(Tokens.user(bob)).contentType(ContentType.JSON).body(Map.of("orderKey", last))
                .post("/v1/conversations/group/" + group + "/read").then().statusCode(200);
        JsonPath after = given().auth().oauth2(Tokens.user(bob)).get("/v1/conversations").then().statusCode(200)
                .extract().jsonPath();
        Map<String, Object> cleared = after.getMap("conversations.find { it.conversation.id == '" + group + "' }");
        assertThat(cleared).containsEntry("unreadCount", 0);
        assertThat((List<?>) cleared.get("mentions")).isEmpty();
    }

    @Test
    void search_findsTextAndSearchedContent_onlyInTheCallersConversations() {
        String alice = user("alice");
        String bob = user("bob");
        String eve = user("eve");
        String word = "zebra" + UUID.randomUUID().toString().substring(0, 4);
        produce(alice, new ConversationRef(ConversationType.PEER, bob), MessageContent.text("a " + word + " here"), null,
                null);
        produce(alice, new ConversationRef(ConversationType.PEER, bob), new MessageContent(MessageType.CUSTOM, "{}", null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null,
                1, word + " card", null, null, null, null), null, null);
        produce(alice, new ConversationRef(ConversationType.PEER, eve), MessageContent.text("secret " + word), null, null);
        awaitHistory(eve, "peer", alice, 1);
        awaitHistory(bob, "peer", alice, 2);

        JsonPath hits = given().auth().oauth2(Tokens.user(bob)).queryParam("q", word).get("/v1/search").then()
                .statusCode(200).extract().jsonPath();
        assertThat(hits.getList("messages.conversation.id")).containsOnly(alice).hasSize(2);
        assertThat(given().auth().oauth2(Tokens.user(user("nobody"))).queryParam("q", word).get("/v1/search").then()
                .statusCode(200).extract().jsonPath().getList("messages")).isEmpty();
    }

    @Test
    void recall_leavesATombstone_onlyForTheSenderWithinTheWindow() {
        String alice = user("alice");
        String bob = user("bob");
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        Envelope mine = envelope(alice, toBob, MessageContent.text("oops"), null, null);
        Envelope late = envelope(alice, toBob, MessageContent.text("old news"), null, null);
        Envelope notYours = envelope(alice, toBob, MessageContent.text("stays"), null, null);
        produce(mine);
        produce(late);
        produce(notYours);
        awaitHistory(bob, "peer", alice, 3);

        String key = mine.conversationKey();
        long now = System.currentTimeMillis();
        produce(new Envelope(1, MessageIds.next(now), null, key, toBob, new Sender(alice, null), now, null, null, null, null,
                null, null, Action.revoke(mine.messageId())));
        produce(new Envelope(1, MessageIds.next(now), null, key, toBob, new Sender(alice, null), now + 3 * 60_000, null, null,
                null, null, null, null, Action.revoke(late.messageId())));
        produce(new Envelope(1, MessageIds.next(now), null, key, new ConversationRef(ConversationType.PEER, alice),
                new Sender(bob, null), now, null, null, null, null, null, null,
                Action.revoke(notYours.messageId())));
        produce(alice, toBob, MessageContent.text("marker"), null, null);
        List<Message> stored = awaitHistory(bob, "peer", alice, 4);

        Message recalled = stored.stream().filter(m -> m.messageId().equals(mine.messageId())).findFirst().orElseThrow();
        assertThat(recalled.revoked()).isTrue();
        assertThat(recalled.content().type()).isEqualTo(MessageType.TEXT);
        assertThat(recalled.content().text()).isNull();
        assertThat(stored).filteredOn(m -> !m.messageId().equals(mine.messageId()))
                .allSatisfy(m -> assertThat(m.revoked()).isNull());
        assertThat(given().auth().oauth2(Tokens.user(bob)).queryParam("q", "oops").get("/v1/search").then().statusCode(200)
                .extract().jsonPath().getList("messages")).isEmpty();
        internal().get("/v1/internal/messages/" + mine.messageId()).then().statusCode(200)
                .body("senderId", Matchers.equalTo(alice)).body("revoked", Matchers.equalTo(true));
    }

    @Test
    void recallOfAMediaMessage_writesItsUploadsWithdrawal_onImMedia_andAgainWhenTheRecallIsSeenAgain() throws Exception {
        String alice = user("alice");
        String bob = user("bob");
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        String mediaId = UUID.randomUUID().toString();
        Envelope photo = envelope(alice, toBob, MessageContent.media(MessageType.IMAGE, mediaId,
                "http://localhost:8080/v1/media/" + mediaId + "?exp=1&sig=x"), null, null);
        produce(photo);
        awaitHistory(bob, "peer", alice, 1);
        long now = System.currentTimeMillis();
        Envelope recall = new Envelope(1, MessageIds.next(now), null, photo.conversationKey(), toBob, new Sender(alice, null),
                now, null, null, null, null, null, null, Action.revoke(photo.messageId()));

        try (TopicProbe media = TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.MEDIA)) {
            produce(recall);
            ConsumerRecord<String, String> record = media.await(r -> mediaId.equals(r.key()));

            assertThat(JsonCodec.decode(record.value(), MediaWithdrawn.class))
                    .isEqualTo(MediaWithdrawn.of(mediaId, photo.messageId(), alice, now));
            assertThat(new String(record.headers().lastHeader(RecordHeaders.TYPE).value(), StandardCharsets.UTF_8))
                    .isEqualTo("withdrawn");
        }
        assertThat(awaitHistory(bob, "peer", alice, 1).get(0).content().mediaId()).isNull();
        ConversationKey key = ConversationKey.parse(photo.conversationKey());
        // a retried batch or a replay: the recall is applied already, its withdrawal is given again, nothing else
        assertThat(writer.write(List.of(new BatchWriter.Stamped(recall, key, 0))).withdrawals())
                .containsExactly(MediaWithdrawn.of(mediaId, photo.messageId(), alice, now));
        Envelope byBob = new Envelope(1, MessageIds.next(now), null, photo.conversationKey(),
                new ConversationRef(ConversationType.PEER, alice), new Sender(bob, null), now, null, null, null, null, null,
                null, Action.revoke(photo.messageId()));
        assertThat(writer.write(List.of(new BatchWriter.Stamped(byBob, key, 0))).withdrawals()).isEmpty();
    }

    @Test
    void receipts_areStored_andReadIsSentToTheConversation() {
        String alice = user("alice");
        String bob = user("bob");
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        long first = produce(alice, toBob, MessageContent.text("did you get it"), null, null);
        awaitHistory(bob, "peer", alice, 1);
        long now = System.currentTimeMillis();
        String key = ConversationKey.of(alice, toBob).value();
        produce(new Envelope(1, MessageIds.next(now), null, key, new ConversationRef(ConversationType.PEER, alice),
                new Sender(bob, null), now, null, null, null, null, null, null,
                Action.receipt(first, Action.DELIVERED)));
        await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(Tokens.user(alice))
                .get("/v1/conversations/peer/" + bob + "/receipts?orderKey=" + first).then().statusCode(200).extract()
                .jsonPath().getList("delivered").contains(bob));

        try (TopicProbe probe = TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.MESSAGES_RELIABLE)) {
            given().auth().oauth2(Tokens.user(bob)).contentType(ContentType.JSON).body(Map.of("orderKey", first))
                    .post("/v1/conversations/peer/" + alice + "/read").then().statusCode(200);
            // history also writes the reader's conversationChanged to the conversation: pick the receipt
            Envelope receipt = JsonCodec.decode(probe.await(r -> r.key().equals(key)
                    && r.value().contains("\"type\":\"receipt\"")).value(), Envelope.class);
            assertThat(receipt.action()).isEqualTo(Action.receipt(first, Action.READ));
            assertThat(receipt.sender().id()).isEqualTo(bob);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(Tokens.user(alice))
                .get("/v1/conversations/peer/" + bob + "/receipts?orderKey=" + first).then().statusCode(200).extract()
                .jsonPath().getList("read").contains(bob));
    }

    @Test
    void outsiders_areRefused() {
        String alice = user("alice");
        String bob = user("bob");
        produce(alice, new ConversationRef(ConversationType.PEER, bob), MessageContent.text("private"), null, null);
        awaitHistory(bob, "peer", alice, 1);
        String mallory = user("mallory");
        given().auth().oauth2(Tokens.user(mallory)).get("/v1/conversations/group/nope/messages").then().statusCode(403)
                .body("error.code", Matchers.equalTo("FORBIDDEN"));
        given().get("/v1/conversations/peer/" + alice + "/messages").then().statusCode(401)
                .body("error.code", Matchers.equalTo("UNAUTHORIZED"));
        // verified by smallrye-jwt behind @Authenticated, answered in the catalogue's format
        given().auth().oauth2(Tokens.sign("another-secret-of-at-least-32-bytes-0123456789", alice, null,
                Duration.ofHours(1), false)).get("/v1/search?q=private").then().statusCode(401)
                .body("error.code", Matchers.equalTo("UNAUTHORIZED"));
        given().auth().oauth2(Tokens.sign(Tokens.DEV_SECRET, alice, null, Duration.ofMinutes(-5), false))
                .get("/v1/conversations").then().statusCode(401)
                .body("error.code", Matchers.equalTo("TOKEN_EXPIRED"));
        given().auth().oauth2(Tokens.sign(Tokens.DEV_SECRET, "bad id with spaces", null, Duration.ofHours(1), false))
                .get("/v1/conversations").then().statusCode(401)
                .body("error.code", Matchers.equalTo("UNAUTHORIZED"));
        // a peer conversation is addressed by the other user, so an outsider can only name their own conversations
        assertThat(history(mallory, "peer", alice, null).getList("messages")).isEmpty();
    }

    @Test
    void malformedParameters_areRefusedWithInvalidRequest_neverA404Or500() {
        String alice = user("alice");
        String token = Tokens.user(alice);
        for (String path : List.of("/v1/conversations/peer/bob/messages?limit=ten",
                "/v1/conversations/peer/bob/messages?before=x",
                "/v1/conversations/peer/bob/messages?after=1.5", "/v1/conversations?since=yesterday",
                "/v1/conversations?cursor=%00", "/v1/conversations?cursor=garbage", "/v1/search?q=a%00b",
                "/v1/search?q=ok&limit=99999999999", "/v1/conversations/peer/bob/receipts?orderKey=abc",
                "/v1/conversations/peer/b%00b/messages", "/v1/conversations/planet/x/messages")) {
            given().auth().oauth2(token).urlEncodingEnabled(false).get(path).then().statusCode(400)
                    .body("error.code", Matchers.equalTo("INVALID_REQUEST"));
        }
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"orderKey\":\"\\u0000\"}")
                .post("/v1/conversations/peer/bob/read").then().statusCode(400)
                .body("error.code", Matchers.equalTo("INVALID_REQUEST"));
    }

    private static Envelope withClientMsgId(String from, String to, String text, String clientMsgId, long at) {
        ConversationRef ref = new ConversationRef(ConversationType.PEER, to);
        return new Envelope(1, MessageIds.next(at), clientMsgId, ConversationKey.of(from, ref).value(), ref,
                new Sender(from, null), at, null, null, null, null, null, MessageContent.text(text));
    }

    @Test
    void aRetryWrittenTwice_isStoredOnce_andItsSecondIdResolvesToTheFirst() {
        String alice = user("alice");
        String bob = user("bob");
        long now = System.currentTimeMillis();
        Envelope first = withClientMsgId(alice, bob, "once", "retry-1", now);
        Envelope second = withClientMsgId(alice, bob, "once", "retry-1", now + 50);
        produce(first);
        produce(second);
        Envelope marker = withClientMsgId(alice, bob, "after", "other", now + 100);
        produce(marker);

        List<Message> stored = awaitHistory(bob, "peer", alice, 2);
        assertThat(stored).extracting(Message::messageId).containsExactly(marker.messageId(), first.messageId());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> internal().get("/v1/internal/messages/" + second.messageId())
                .then().statusCode(200).body("messageId", Matchers.equalTo(first.messageId())));
        internal().queryParam("conversationKey", first.conversationKey()).queryParam("senderId", alice)
                .queryParam("clientMsgId", "retry-1").get("/v1/internal/sent").then().statusCode(200)
                .body("messageId", Matchers.equalTo(first.messageId()))
                .body("sentAt", Matchers.equalTo(now));
        internal().queryParam("conversationKey", first.conversationKey()).queryParam("senderId", alice)
                .queryParam("clientMsgId", "never").get("/v1/internal/sent").then().statusCode(404);
    }

    @Test
    void aClientMsgIdReusedAfterTheDedupeWindow_isANewMessage() {
        String alice = user("alice");
        String bob = user("bob");
        long now = System.currentTimeMillis();
        produce(withClientMsgId(alice, bob, "long ago", "reused", now - Duration.ofHours(25).toMillis()));
        produce(withClientMsgId(alice, bob, "today", "reused", now));

        assertThat(awaitHistory(bob, "peer", alice, 2)).extracting(m -> m.content().text())
                .containsExactly("today", "long ago");
    }

    @Test
    void groupIdClaims_firstCreatorWins() {
        String group = user("g");
        internal().post("/v1/internal/groups/" + group + "/claim/alice").then().statusCode(200)
                .body("ownerId", Matchers.equalTo("alice"));
        internal().post("/v1/internal/groups/" + group + "/claim/bob").then().statusCode(409)
                .body("error.code", Matchers.equalTo("ALREADY_EXISTS"));
        internal().post("/v1/internal/groups/" + group + "/claim/alice").then().statusCode(200);
    }

    @Test
    void internalApi_answersServiceCredentialsOnly() {
        String group = user("g");
        given().post("/v1/internal/groups/" + group + "/claim/mallory").then().statusCode(401)
                .body("error.code", Matchers.equalTo("UNAUTHORIZED"));
        // a user's token, an admin's too, is no service credential
        given().auth().oauth2(Tokens.admin("mallory")).post("/v1/internal/groups/" + group + "/claim/mallory").then()
                .statusCode(403).body("error.code", Matchers.equalTo("FORBIDDEN"));
        given().auth().oauth2(Tokens.user("mallory")).get("/v1/internal/messages/x").then().statusCode(403);
        internal().post("/v1/internal/groups/" + group + "/claim/alice").then().statusCode(200);
    }

    /** A request with the service credential other services show on the internal API. */
    private static RequestSpecification internal() {
        return given().auth().oauth2(Tokens.service("gateway-service"));
    }
}
