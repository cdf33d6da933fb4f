package im.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import im.protocol.ClientFrame;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.MessageContent;
import im.protocol.SendRequest;
import im.protocol.ServerFrames.Ack;
import im.testkit.Tokens;
import im.testkit.WsClient;

/**
 * Live conversations through the packaged services (PROTOCOL v1.1): two sessions of one user on two gateway nodes both
 * get {@code conversationChanged} and {@code totalUnreadChanged} when a message arrives, when the other device reads,
 * and after a delete for me; the sender's own session gets the new last message with its unread unchanged.
 */
class LiveConversationsIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = Stack.get();
    }

    private static Ack send(WsClient ws, String to, String text) {
        Ack ack = ws.request(ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.PEER, to),
                MessageContent.text(text), UUID.randomUUID().toString(), null, null, null, false)));
        assertThat(ack.isSuccess()).as(String.valueOf(ack.error())).isTrue();
        return ack;
    }

    /** A conversationChanged frame about {@code otherId} with this last message and unread count. */
    private static Predicate<JsonNode> changed(String otherId, String lastMessageId, int unread) {
        return f -> "conversationChanged".equals(f.path("op").asText())
                && otherId.equals(f.at("/conversation/id").asText())
                && lastMessageId.equals(f.at("/lastMessage/messageId").asText())
                && f.path("unreadCount").asInt(-1) == unread;
    }

    /** Waits until {@code ws} has had {@code count} totalUnreadChanged frames with this total. */
    private static void awaitTotal(WsClient ws, int total, int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> ws.frames().stream()
                .filter(f -> "totalUnreadChanged".equals(f.path("op").asText())
                        && f.path("totalUnreadCount").asInt(-1) == total)
                .count() >= count);
    }

    @Test
    void bothSessionsOfAUser_followNewMessages_readsOnTheOtherDevice_andDeletes() throws Exception {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        try (WsClient a = stack.connect(1, alice); WsClient b1 = stack.connect(1, bob); WsClient b2 = stack.connect(2, bob)) {
            stack.awaitPresence(bob, 2);
            Ack hello = send(a, bob, "hello");
            for (WsClient b : new WsClient[]{b1, b2}) {
                b.awaitFrame(changed(alice, hello.messageId(), 1));
                awaitTotal(b, 1, 1);
            }
            a.awaitFrame(changed(bob, hello.messageId(), 0));

            // bob reads on his second device: the first one follows
            HttpResponse<String> read = Stack.post(stack.gateway(2) + "/v1/conversations/peer/" + alice + "/read",
                    Tokens.user(bob), Map.of("orderKey", hello.orderKey()));
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
            b1.awaitFrame(changed(alice, hello.messageId(), 0));
            awaitTotal(b1, 0, 1);
            b2.awaitFrame(changed(alice, hello.messageId(), 0));

            Ack second = send(a, bob, "second");
            b1.awaitFrame(changed(alice, second.messageId(), 1));
            awaitTotal(b1, 1, 2);
            // deleted for bob on his second device: both see the message before it as the last, nothing unread
            HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(URI.create(stack.gateway(2)
                    + "/v1/conversations/peer/" + alice + "/messages/" + second.messageId()))
                    .header("Authorization", "Bearer " + Tokens.user(bob)).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
            for (WsClient b : new WsClient[]{b1, b2}) {
                b.awaitFrame(f -> changed(alice, hello.messageId(), 0).test(f)
                        && f.path("updatedAt").asLong() >= second.timestamp());
                awaitTotal(b, 0, 2);
            }
            JsonNode history = stack.getJson(bob, "/v1/conversations/peer/" + alice + "/messages");
            assertThat(history.get("messages").findValuesAsText("text")).containsExactly("hello");
        }
    }
}
