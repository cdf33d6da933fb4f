package im.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import im.protocol.ClientFrame;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.SendRequest;
import im.protocol.ServerFrames.Ack;
import im.testkit.Tokens;
import im.testkit.WsClient;

/**
 * The guarantees of delivery with two gateway nodes and two routing instances: a session gets every message acked after
 * its {@code session} frame, prevOrderKey chains survive a routing restart, a retry through another node gets the first
 * ack and is stored once, and a group id has one creator however many nodes race for it.
 */
class DeliveryGuaranteesIT {
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = Stack.get();
    }

    private static ClientFrame text(ConversationType type, String to, String text, String clientMsgId) {
        return ClientFrame.send(null, new SendRequest(new ConversationRef(type, to), MessageContent.text(text), clientMsgId,
                null, null, null, null));
    }

    @Test
    void aMessageAckedAfterTheRecipientsSessionFrame_isAlwaysPushed_manyTriesInParallel() throws Exception {
        int tries = 40;
        ExecutorService pool = Executors.newFixedThreadPool(tries);
        try {
            List<CompletableFuture<Boolean>> outcomes = new ArrayList<>();
            for (int i = 0; i < tries; i++) {
                int node = 1 + i % 2;
                outcomes.add(CompletableFuture.supplyAsync(() -> tryOnce(node), pool));
            }
            long misses = outcomes.stream().map(CompletableFuture::join).filter(delivered -> !delivered).count();
            assertThat(misses).as("messages acked after the session frame but never pushed, of " + tries).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    /** The receiver connects to {@code node}; as soon as its session frame is there, the sender sends from the other. */
    private static boolean tryOnce(int node) {
        String sender = Stack.user("s");
        String receiver = Stack.user("r");
        try (WsClient from = stack.connect(3 - node, sender);
                WsClient to = WsClient.connect(stack.gateway(node), Tokens.user(receiver))) {
            to.awaitOp("session");
            Ack ack = from.request(text(ConversationType.PEER, receiver, "right after the session frame",
                    UUID.randomUUID().toString()));
            assertThat(ack.isSuccess()).isTrue();
            try {
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
                        .until(() -> to.messages().stream().anyMatch(m -> m.messageId().equals(ack.messageId())));
                return true;
            } catch (ConditionTimeoutException e) {
                return false;
            }
        }
    }

    @Test
    void prevOrderKey_survivesARoutingRestart() {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        try (WsClient alice1 = stack.connect(1, alice); WsClient bob2 = stack.connect(2, bob)) {
            stack.awaitPresence(bob, 1);
            Ack first = alice1.request(text(ConversationType.PEER, bob, "before the restart", "p-1"));
            assertThat(bob2.awaitMessages(1).get(0).orderKey()).isEqualTo(first.orderKey());

            stack.restart("routing");
            stack.restart("routing-2");

            Ack second = alice1.request(text(ConversationType.PEER, bob, "after the restart", "p-2"));
            Message pushed = await().atMost(Duration.ofSeconds(60)).until(() -> bob2.messages().stream()
                    .filter(m -> m.messageId().equals(second.messageId())).findFirst().orElse(null), m -> m != null);
            assertThat(pushed.prevOrderKey()).as("the chain holds across the restart").isEqualTo(first.orderKey());
        }
    }

    @Test
    void aRetryThroughAnotherNode_getsTheFirstAck_andIsStoredOnce() {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        String clientMsgId = UUID.randomUUID().toString();
        Ack first;
        try (WsClient viaOne = stack.connect(1, alice)) {
            first = viaOne.request(text(ConversationType.PEER, bob, "sent once", clientMsgId));
            assertThat(first.isSuccess()).isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> stack.getJson(bob,
                "/v1/conversations/peer/" + alice + "/messages").get("messages").findValuesAsText("messageId")
                .contains(first.messageId()));
        try (WsClient viaTwo = stack.connect(2, alice)) {
            Ack retry = viaTwo.request(text(ConversationType.PEER, bob, "sent once", clientMsgId));
            assertThat(retry.messageId()).isEqualTo(first.messageId());
            assertThat(retry.orderKey()).isEqualTo(first.orderKey());
            assertThat(retry.timestamp()).isEqualTo(first.timestamp());
        }
        HttpResponse<String> rest = Stack.post(stack.gateway(2) + "/v1/messages", Tokens.user(alice), Map.of("to",
                Map.of("type", "peer", "id", bob), "clientMsgId", clientMsgId, "message", Map.of("type", "text", "text",
                        "sent once")));
        assertThat(JsonCodec.tree(rest.body()).get("messageId").asText()).isEqualTo(first.messageId());
        assertThat(stack.getJson(bob, "/v1/conversations/peer/" + alice + "/messages").get("messages")).hasSize(1);
    }

    @Test
    void groupIdsRacedThroughBothNodes_haveOneCreator_andAGatewayRestartKnowsThemWhenReady() throws Exception {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<String> groups = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                String groupId = Stack.user("race");
                groups.add(groupId);
                CompletableFuture<HttpResponse<String>> one = CompletableFuture.supplyAsync(() -> Stack.post(
                        stack.gateway(1) + "/v1/groups", Tokens.user(alice), Map.of("groupId", groupId, "members",
                                List.of(bob))),
                        pool);
                CompletableFuture<HttpResponse<String>> two = CompletableFuture.supplyAsync(() -> Stack.post(
                        stack.gateway(2) + "/v1/groups", Tokens.user(bob), Map.of("groupId", groupId, "members",
                                List.of(alice))),
                        pool);
                List<Integer> statuses = List.of(one.join().statusCode(), two.join().statusCode());
                assertThat(statuses).as(groupId).containsExactlyInAnyOrder(200, 409);
                String winner = one.join().statusCode() == 200 ? alice : bob;
                stack.awaitRouting("/v1/routing/groups/" + groupId + "/members", members -> members.size() == 2);
                HttpResponse<String> again = Stack.post(stack.gateway(1) + "/v1/groups", Tokens.user(winner),
                        Map.of("groupId", groupId));
                assertThat(again.statusCode()).isEqualTo(409);
            }
        } finally {
            pool.shutdownNow();
        }
        stack.restart("gateway-2");
        try (WsClient bob2 = stack.connect(2, bob)) {
            for (String groupId : groups) {
                Ack ack = bob2.request(text(ConversationType.GROUP, groupId, "right after the restart", null));
                assertThat(ack.isSuccess()).as("membership loaded before ready: " + ack.error()).isTrue();
            }
        }
    }
}
