package im.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import im.protocol.JsonCodec;
import im.testkit.WsClient;

/**
 * v1.1 message features through the gateways with the packaged services (two users on two gateway nodes): a reply
 * delivered and stored with its quote, NOT_FOUND for a message of another conversation; a reaction pushed to both users
 * as reactionsChanged and counted in history; an edit pushed as messageEdited and answered by history; an edit by
 * somebody else FORBIDDEN, a reaction over 32 bytes INVALID_REQUEST, an edit that fails moderation CONTENT_REJECTED.
 */
class MessageFeaturesIT {
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = Stack.get();
    }

    /** Sends {@code frame} with a fresh request id and answers its ack. */
    private static JsonNode ack(WsClient ws, Map<String, Object> frame) {
        String id = UUID.randomUUID().toString();
        Map<String, Object> withId = new LinkedHashMap<>(frame);
        withId.put("id", id);
        ws.sendRaw(JsonCodec.encode(withId));
        return ws.awaitFrame(f -> "ack".equals(WsClient.text(f, "op")) && id.equals(WsClient.text(f, "id")));
    }

    private static String status(JsonNode ack) {
        return WsClient.text(ack, "status");
    }

    private static String code(JsonNode ack) {
        assertThat(status(ack)).isEqualTo("failed");
        return ack.get("error").get("code").asText();
    }

    private static Map<String, Object> peer(String id) {
        return Map.of("type", "peer", "id", id);
    }

    private static Map<String, Object> text(String text) {
        return Map.of("type", "text", "text", text);
    }

    private static JsonNode stored(String reader, String other, String messageId) {
        for (JsonNode message : stack.getJson(reader, "/v1/conversations/peer/" + other + "/messages?limit=100")
                .get("messages")) {
            if (message.get("messageId").asText().equals(messageId)) {
                return message;
            }
        }
        return null;
    }

    @Test
    void replyReactAndEdit_reachBothUsers_andHistoryAnswersThem() {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        String carol = Stack.user("carol");
        try (WsClient a = stack.connect(1, alice); WsClient b = stack.connect(2, bob); WsClient c = stack.connect(1, carol)) {
            stack.awaitPresence(bob, 1);
            JsonNode question = ack(a, Map.of("op", "send", "to", peer(bob), "clientMsgId", "q-1", "message",
                    text("lunch at " + "noon ".repeat(30))));
            String questionId = question.get("messageId").asText();
            JsonNode elsewhere = ack(c, Map.of("op", "send", "to", peer(bob), "clientMsgId", "c-1", "message",
                    text("carol's")));
            b.awaitMessages(2);

            // reply: delivered and stored with the quote; a message of another conversation is NOT_FOUND
            JsonNode reply = ack(b, Map.of("op", "send", "to", peer(alice), "clientMsgId", "r-1", "message", text("sure"),
                    "repliedTo", Map.of("messageId", questionId)));
            assertThat(status(reply)).as(reply.toString()).isEqualTo("success");
            JsonNode delivered = a.awaitFrame(f -> "messages".equals(WsClient.text(f, "op"))
                    && f.get("messages").get(0).get("messageId").asText().equals(reply.get("messageId").asText()));
            JsonNode quote = delivered.get("messages").get(0).get("repliedTo");
            assertThat(quote.get("messageId").asText()).isEqualTo(questionId);
            assertThat(quote.get("senderId").asText()).isEqualTo(alice);
            assertThat(quote.get("type").asText()).isEqualTo("text");
            assertThat(quote.get("preview").asText()).hasSize(100).startsWith("lunch at noon");
            await().atMost(Duration.ofSeconds(30)).until(() -> stored(alice, bob, reply.get("messageId").asText()) != null);
            assertThat(stored(alice, bob, reply.get("messageId").asText()).get("repliedTo")).isEqualTo(quote);
            assertThat(code(ack(b, Map.of("op", "send", "to", peer(alice), "clientMsgId", "r-2", "message", text("no"),
                    "repliedTo", Map.of("messageId", elsewhere.get("messageId").asText()))))).isEqualTo("NOT_FOUND");

            // react: both users get reactionsChanged, history counts it; over 32 bytes is INVALID_REQUEST
            assertThat(status(ack(b, Map.of("op", "react", "to", peer(alice), "messageId", questionId, "reaction",
                    "👍")))).isEqualTo("success");
            for (WsClient ws : new WsClient[]{a, b}) {
                JsonNode changed = ws.awaitFrame(f -> "reactionsChanged".equals(WsClient.text(f, "op"))
                        && questionId.equals(WsClient.text(f, "messageId")));
                assertThat(changed.get("reactions").get(0).get("reaction").asText()).isEqualTo("👍");
                assertThat(changed.get("reactions").get(0).get("count").asInt()).isEqualTo(1);
                assertThat(changed.get("reactions").get(0).get("userIds").get(0).asText()).isEqualTo(bob);
            }
            assertThat(stored(alice, bob, questionId).get("reactions").get(0).get("count").asInt()).isEqualTo(1);
            assertThat(code(ack(b, Map.of("op", "react", "to", peer(alice), "messageId", questionId, "reaction",
                    "x".repeat(33))))).isEqualTo("INVALID_REQUEST");

            // edit: the sender's only, moderated, pushed as messageEdited and answered by history
            assertThat(code(ack(b, Map.of("op", "edit", "to", peer(alice), "messageId", questionId, "message",
                    text("bob's now"))))).isEqualTo("FORBIDDEN");
            assertThat(code(ack(a, Map.of("op", "edit", "to", peer(bob), "messageId", questionId, "message",
                    text("bring " + Stack.MODERATED_WORD))))).isEqualTo("CONTENT_REJECTED");
            assertThat(status(ack(a, Map.of("op", "edit", "to", peer(bob), "messageId", questionId, "message",
                    text("lunch at one"))))).isEqualTo("success");
            JsonNode edited = b.awaitFrame(f -> "messageEdited".equals(WsClient.text(f, "op"))
                    && questionId.equals(f.get("message").get("messageId").asText()));
            assertThat(edited.get("conversation").get("id").asText()).isEqualTo(alice);
            assertThat(edited.get("message").get("text").asText()).isEqualTo("lunch at one");
            assertThat(edited.get("message").get("orderKey").asLong()).isEqualTo(question.get("orderKey").asLong());
            assertThat(edited.get("message").has("editedAt")).isTrue();
            JsonNode answered = stored(bob, alice, questionId);
            assertThat(answered.get("text").asText()).isEqualTo("lunch at one");
            assertThat(answered.get("editedAt").asLong()).isEqualTo(edited.get("message").get("editedAt").asLong());
            assertThat(answered.get("reactions").get(0).get("reaction").asText()).isEqualTo("👍");
        }
    }
}
