package im.gateway;

import static im.gateway.GatewayTestSupport.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import im.protocol.Action;
import im.protocol.ClientFrame;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.MessageContent;
import im.protocol.MessageType;
import im.protocol.RepliedTo;
import im.protocol.SendRequest;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.Tokens;
import im.testkit.TopicProbe;
import im.testkit.WsClient;

/**
 * The v1.1 message features at the gateway, against the real broker and a history stand-in ({@link FeatureHistory}):
 * replies are resolved and stamped in full (NOT_FOUND for a message of another conversation, a recalled or an unknown
 * one); react and edit are refused with their catalogued codes (INVALID_REQUEST, NOT_FOUND, REACTION_LIMIT_REACHED,
 * FORBIDDEN, EDIT_WINDOW_PASSED, CONTENT_REJECTED) and nothing is written for a refusal, while accepted ones are written
 * to the conversation's stream as {@code react} and {@code edit} actions.
 */
@QuarkusTest
@TestProfile(MessageFeaturesTest.Features.class)
class MessageFeaturesTest {

    /** The history stand-in and one listed word. */
    public static class Features implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("im.moderation.words", "forbidden");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FeatureHistory.class));
        }
    }

    private static final AtomicInteger IDS = new AtomicInteger();

    @TestHTTPResource("/")
    URL url;

    /** Sends {@code frame} (its {@code id} filled in) and answers its ack. */
    private static JsonNode ack(WsClient ws, Map<String, Object> frame) {
        String id = "r" + IDS.incrementAndGet();
        Map<String, Object> withId = new LinkedHashMap<>(frame);
        withId.put("id", id);
        ws.sendRaw(JsonCodec.encode(withId));
        return ws.awaitFrame(f -> "ack".equals(WsClient.text(f, "op")) && id.equals(WsClient.text(f, "id")));
    }

    private static String code(JsonNode ack) {
        assertThat(WsClient.text(ack, "status")).isEqualTo("failed");
        return ack.get("error").get("code").asText();
    }

    private static Map<String, Object> peer(String id) {
        return Map.of("type", "peer", "id", id);
    }

    private static Map<String, Object> react(String to, String messageId, String reaction) {
        return Map.of("op", "react", "to", peer(to), "messageId", messageId, "reaction", reaction);
    }

    private static Map<String, Object> edit(String to, String messageId, Map<String, Object> message) {
        return Map.of("op", "edit", "to", peer(to), "messageId", messageId, "message", message);
    }

    private static Map<String, Object> text(String text) {
        return Map.of("type", "text", "text", text);
    }

    private static Envelope written(TopicProbe probe, String messageId, String type) {
        ConsumerRecord<String, String> record = probe.await(r -> r.value().contains(messageId)
                && r.value().contains("\"" + type + "\""));
        return JsonCodec.decode(record.value(), Envelope.class);
    }

    /** The action record of {@code type} about {@code messageId}. */
    private static Envelope action(TopicProbe probe, String type, String messageId) {
        ConsumerRecord<String, String> record = probe.await(r -> {
            Envelope envelope = JsonCodec.decode(r.value(), Envelope.class);
            return envelope.action() != null && envelope.action().type().equals(type)
                    && messageId.equals(envelope.action().messageId());
        });
        return JsonCodec.decode(record.value(), Envelope.class);
    }

    @Test
    void react_isRefusedWithItsCode_andWrittenWhenAccepted() {
        String alice = uniqueUser("alice");
        String bob = uniqueUser("bob");
        String message = "f." + bob + "." + alice + ".text.new";
        try (TopicProbe probe = TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.MESSAGES_RELIABLE);
                WsClient ws = WsClient.connect(url.toString(), Tokens.user(alice))) {
            assertThat(code(ack(ws, react(bob, message, "x".repeat(33))))).isEqualTo("INVALID_REQUEST");
            assertThat(code(ack(ws, react(bob, message, "😀".repeat(9))))).as("36 bytes").isEqualTo("INVALID_REQUEST");
            assertThat(code(ack(ws, react(bob, message, "")))).isEqualTo("INVALID_REQUEST");
            assertThat(code(ack(ws, react(bob, message, "a\u0000")))).isEqualTo("INVALID_REQUEST");
            assertThat(code(ack(ws, react(bob, message, "a\u0007")))).isEqualTo("INVALID_REQUEST");
            assertThat(code(ack(ws, react(bob, "f.carol.dave.text.new", "👍")))).as("another conversation's")
                    .isEqualTo("NOT_FOUND");
            assertThat(code(ack(ws, react(bob, message + ".revoked", "👍")))).isEqualTo("NOT_FOUND");
            assertThat(code(ack(ws, react(bob, message + ".full", "👍")))).isEqualTo("REACTION_LIMIT_REACHED");
            assertThat(code(ack(ws, react(bob, message + ".mine", "👍")))).isEqualTo("REACTION_LIMIT_REACHED");
            // a reaction the message holds already, and one the user gave, are within the bounds
            assertThat(WsClient.text(ack(ws, react(bob, message + ".full", "r3")), "status")).isEqualTo("success");
            assertThat(WsClient.text(ack(ws, Map.of("op", "react", "to", peer(bob), "messageId", message + ".mine",
                    "reaction", "m1", "remove", true)), "status")).isEqualTo("success");

            JsonNode ok = ack(ws, react(bob, message, "👍"));
            assertThat(WsClient.text(ok, "status")).isEqualTo("success");
            Envelope record = action(probe, Action.REACT, message);
            assertThat(record.action()).isEqualTo(Action.react(message, "👍", false));
            assertThat(record.sender().id()).isEqualTo(alice);
        }
    }

    @Test
    void react_toAMessageNeverStored_isNotFound() {
        String alice = uniqueUser("alice");
        try (WsClient ws = WsClient.connect(url.toString(), Tokens.user(alice))) {
            assertThat(code(ack(ws, react("bob", "never-stored", "👍")))).isEqualTo("NOT_FOUND");
        }
    }

    @Test
    void edit_isTheSendersOnly_withinTheWindow_ofTextOrCustom_andModerated() {
        String alice = uniqueUser("alice");
        String bob = uniqueUser("bob");
        String mine = "f." + alice + "." + bob + ".text.new";
        try (TopicProbe probe = TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.MESSAGES_RELIABLE);
                WsClient ws = WsClient.connect(url.toString(), Tokens.user(alice))) {
            assertThat(code(ack(ws, edit(bob, "f." + bob + "." + alice + ".text.new", text("mine now")))))
                    .isEqualTo("FORBIDDEN");
            assertThat(code(ack(ws, edit(bob, "f." + alice + "." + bob + ".text.old", text("too late")))))
                    .isEqualTo("EDIT_WINDOW_PASSED");
            assertThat(code(ack(ws, edit(bob, "f." + alice + "." + bob + ".image.new", text("a caption")))))
                    .isEqualTo("INVALID_REQUEST");
            assertThat(code(ack(ws, edit(bob, mine + ".revoked", text("gone"))))).isEqualTo("NOT_FOUND");
            assertThat(code(ack(ws, edit(bob, mine, Map.of("type", "command", "data", "AA==")))))
                    .isEqualTo("INVALID_REQUEST");
            assertThat(code(ack(ws, edit(bob, mine, text(""))))).isEqualTo("INVALID_REQUEST");
            assertThat(code(ack(ws, edit(bob, mine, Map.of("type", "custom", "subType", 1, "text", "{}")))))
                    .as("an edit keeps the type")
                    .isEqualTo("INVALID_REQUEST");
            assertThat(code(ack(ws, edit(bob, mine, text("x".repeat(32 * 1024 + 1)))))).isEqualTo("MESSAGE_TOO_LARGE");
            assertThat(code(ack(ws, edit(bob, mine, text("now forbidden"))))).isEqualTo("CONTENT_REJECTED");

            JsonNode ok = ack(ws, edit(bob, mine, text("fixed")));
            assertThat(WsClient.text(ok, "status")).isEqualTo("success");
            Envelope record = action(probe, Action.EDIT, mine);
            assertThat(record.action()).isEqualTo(Action.edit(mine, MessageContent.text("fixed")));
            assertThat(probe.drain()).noneMatch(r -> r.value().contains("now forbidden"));
        }
    }

    @Test
    void reply_isStampedWithTheWholeQuote_andRefusedForAnotherConversationsMessage() {
        String alice = uniqueUser("alice");
        String bob = uniqueUser("bob");
        String quoted = "f." + bob + "." + alice + ".text.new";
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        try (TopicProbe probe = TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.MESSAGES_RELIABLE);
                WsClient ws = WsClient.connect(url.toString(), Tokens.user(alice))) {
            var reply = ws.request(ClientFrame.send(null, new SendRequest(toBob, MessageContent.text("sure"), "c1", null,
                    null, null, null, RepliedTo.of(quoted))));
            assertThat(reply.isSuccess()).isTrue();
            Envelope record = written(probe, reply.messageId(), "text");
            assertThat(record.repliedTo()).isEqualTo(new RepliedTo(quoted, bob, MessageType.TEXT, "hello there"));

            var foreign = ws.request(ClientFrame.send(null, new SendRequest(toBob, MessageContent.text("no"), "c2", null,
                    null, null, null, RepliedTo.of("f.carol.dave.text.new"))));
            assertThat(foreign.error().code()).isEqualTo("NOT_FOUND");
            var recalled = ws.request(ClientFrame.send(null, new SendRequest(toBob, MessageContent.text("no"), "c3", null,
                    null, null, null, RepliedTo.of(quoted + ".revoked"))));
            assertThat(recalled.error().code()).isEqualTo("NOT_FOUND");
            var command = ws.request(ClientFrame.send(null, new SendRequest(toBob, MessageContent.command("AA=="), "c4",
                    null, null, null, null, RepliedTo.of(quoted))));
            assertThat(command.error().code()).isEqualTo("INVALID_REQUEST");

            var plain = ws.request(GatewayTestSupport.sendText(ConversationType.PEER, bob, "plain", "c5"));
            assertThat(written(probe, plain.messageId(), "text").repliedTo()).isNull();
        }
    }
}
