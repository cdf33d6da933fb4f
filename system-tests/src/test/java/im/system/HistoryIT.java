package im.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import im.protocol.ClientFrame;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.SendRequest;
import im.protocol.ServerFrames.Ack;
import im.testkit.Tokens;
import im.testkit.WsClient;

/**
 * History through the gateway's base URL with the packaged services: the offline gap synced after a reconnect, unread
 * counts dropping to zero on read, recall in and out of its window and by another user, receipts reaching the sender.
 */
class HistoryIT {
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

    private static Ack send(WsClient ws, String to, String text, boolean receipt) {
        return ws.request(ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.PEER, to),
                MessageContent.text(text), UUID.randomUUID().toString(), null, null, null, receipt)));
    }

    private static JsonNode conversation(String userId, String otherId) {
        for (JsonNode item : stack.getJson(userId, "/v1/conversations").get("conversations")) {
            if (item.get("conversation").get("id").asText().equals(otherId)) {
                return item;
            }
        }
        return null;
    }

    private static void awaitStored(String userId, String otherId, String messageId) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> stack.getJson(userId,
                "/v1/conversations/peer/" + otherId + "/messages?limit=100").get("messages").findValuesAsText("messageId")
                .contains(messageId));
    }

    @Test
    void aClientThatWasOffline_syncsTheGap_andReadingClearsUnread() {
        String alice = user("alice");
        String bob = user("bob");
        long held;
        try (WsClient a = connect(1, alice)) {
            try (WsClient b = connect(2, bob)) {
                stack.awaitPresence(bob, 1);
                send(a, bob, "before 1", false);
                send(a, bob, "before 2", false);
                List<Message> online = b.awaitMessages(2);
                held = online.get(1).orderKey();
            }
            stack.awaitPresence(bob, 0);
            Ack last = null;
            for (int i = 1; i <= 3; i++) {
                last = send(a, bob, "while away " + i, false);
            }
            awaitStored(bob, alice, last.messageId());
        }
        try (WsClient b = connect(2, bob)) {
            JsonNode item = conversation(bob, alice);
            assertThat(item.get("unreadCount").asInt()).isEqualTo(5);
            JsonNode gap = stack.getJson(bob, "/v1/conversations/peer/" + alice + "/messages?after=" + held);
            assertThat(gap.get("messages").findValuesAsText("text")).containsExactly("while away 1", "while away 2",
                    "while away 3");
            long newest = gap.get("messages").get(2).get("orderKey").asLong();
            HttpResponse<String> read = Stack.post(stack.gateway(2) + "/v1/conversations/peer/" + alice + "/read",
                    Tokens.user(bob), Map.of("orderKey", newest));
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
            assertThat(conversation(bob, alice).get("unreadCount").asInt()).isZero();
        }
    }

    @Test
    void recall_reachesOnlineParticipants_andIsRefusedToOthersAndWhenLate() {
        String alice = user("alice");
        String bob = user("bob");
        try (WsClient a = connect(1, alice); WsClient b = connect(2, bob)) {
            stack.awaitPresence(bob, 1);
            Ack sent = send(a, bob, "sent by mistake", false);
            awaitStored(bob, alice, sent.messageId());

            Ack foreign = b.request(new ClientFrame(ClientFrame.REVOKE, null, new ConversationRef(ConversationType.PEER,
                    alice), null, null, null, null, null, null, null, sent.messageId(), null, null, null));
            assertThat(foreign.error().code()).isEqualTo("FORBIDDEN");
            Ack revoked = a.request(new ClientFrame(ClientFrame.REVOKE, null, new ConversationRef(ConversationType.PEER,
                    bob), null, null, null, null, null, null, null, sent.messageId(), null, null, null));
            assertThat(revoked.isSuccess()).as(String.valueOf(revoked.error())).isTrue();

            JsonNode frame = b.awaitOp("revoked");
            assertThat(frame.get("messageId").asText()).isEqualTo(sent.messageId());
            assertThat(frame.get("by").asText()).isEqualTo(alice);
            assertThat(frame.get("conversation").get("id").asText()).isEqualTo(alice);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                JsonNode stored = stack.getJson(bob, "/v1/conversations/peer/" + alice + "/messages").get("messages").get(0);

                return stored.path("revoked").asBoolean() && !stored.has("text");
            });

            Ack old = send(a, bob, "too late to take back", false);
            long deadline = old.timestamp() + Duration.parse("PT" + Stack.REVOKE_WINDOW).toMillis();
            await().atMost(Duration.ofSeconds(30)).until(() -> System.currentTimeMillis() > deadline + 200);
            awaitStored(bob, alice, old.messageId());
            Ack late = a.request(new ClientFrame(ClientFrame.REVOKE, null, new ConversationRef(ConversationType.PEER, bob),
                    null, null, null, null, null, null, null, old.messageId(), null, null, null));
            assertThat(late.error().code()).isEqualTo("REVOKE_WINDOW_PASSED");
        }
    }

    @Test
    void receipts_reachTheSender() {
        String alice = user("alice");
        String bob = user("bob");
        try (WsClient a = connect(1, alice); WsClient b = connect(2, bob)) {
            stack.awaitPresence(bob, 1);
            Ack sent = send(a, bob, "tell me when you read it", true);
            Message arrived = b.awaitMessages(1).get(0);
            Ack receipt = b.request(new ClientFrame(ClientFrame.RECEIPT, null, new ConversationRef(ConversationType.PEER,
                    alice), null, null, null, null, null, null, null, null, arrived.orderKey(), "read", null));
            assertThat(receipt.isSuccess()).as(String.valueOf(receipt.error())).isTrue();

            JsonNode frame = a.awaitOp("receipt");
            assertThat(frame.get("userId").asText()).isEqualTo(bob);
            assertThat(frame.get("kind").asText()).isEqualTo("read");
            assertThat(frame.get("orderKey").asLong()).isEqualTo(sent.orderKey());
            await().atMost(Duration.ofSeconds(30)).until(() -> stack.getJson(alice, "/v1/conversations/peer/" + bob
                    + "/receipts?orderKey=" + sent.orderKey()).get("read").toString().contains(bob));
        }
    }
}
