package im.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import im.protocol.ClientFrame;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.JsonCodec;
import im.protocol.MessageContent;
import im.protocol.SendRequest;
import im.protocol.ServerFrames.Ack;
import im.testkit.ServiceProcess;
import im.testkit.Tokens;
import im.testkit.WsClient;

/**
 * Outages of the dependencies with the packaged services running: after a broker restart every service carries on by
 * itself (same processes, no restart), and a message acked after it is delivered across nodes and stored.
 */
class RecoveryIT {
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = Stack.get();
    }

    private static ClientFrame text(String to, String text, String clientMsgId) {
        return ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.PEER, to),
                MessageContent.text(text), clientMsgId, null, null, null, null));
    }

    private static int ready(ServiceProcess service) {
        try {
            return Stack.HTTP.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Sends until acked with success: what a client does with UNAVAILABLE answers (same clientMsgId every time). */
    private static Ack sendUntilAcked(WsClient ws, String to, String text) {
        String clientMsgId = UUID.randomUUID().toString();
        return await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> ws.request(text(to, text, clientMsgId)), Ack::isSuccess);
    }

    @Test
    void brokerRestart_everyServiceCarriesOn_withoutARestart() {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        Map<String, Long> pids = new HashMap<>();
        for (String name : new String[]{"gateway-1", "gateway-2", "routing", "history", "push", "media"}) {
            pids.put(name, stack.service(name).pid());
        }
        try (WsClient alice1 = stack.connect(1, alice); WsClient bob2 = stack.connect(2, bob)) {
            stack.awaitPresence(bob, 1);
            Ack before = sendUntilAcked(alice1, bob, "before the restart");
            assertThat(bob2.awaitMessages(1).get(0).messageId()).isEqualTo(before.messageId());

            stack.kafka.restart();

            Ack after = sendUntilAcked(alice1, bob, "after the restart");
            await().atMost(Duration.ofSeconds(90)).until(() -> bob2.messages().stream()
                    .anyMatch(m -> m.messageId().equals(after.messageId())));
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> stored(bob, alice)
                    .contains(after.messageId()));
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> pids.keySet().stream().allMatch(name -> ready(stack.service(name)) == 200));
        }
        pids.forEach((name, pid) -> {
            assertThat(stack.service(name).isAlive()).as(name).isTrue();
            assertThat(stack.service(name).pid()).as(name + " was not restarted").isEqualTo(pid);
        });
    }

    private static String stored(String userId, String otherId) {
        try {
            HttpResponse<String> response = Stack.HTTP.send(HttpRequest.newBuilder(URI.create(stack.gateway(1)
                    + "/v1/conversations/peer/" + otherId + "/messages?limit=100"))
                    .header("Authorization", "Bearer " + Tokens.user(userId)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JsonCodec.tree(response.body()).get("messages").toString() : "";
        } catch (Exception e) {
            return "";
        }
    }
}
