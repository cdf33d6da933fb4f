package im.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageType;
import im.testkit.Tokens;
import im.testkit.WsClient;

/**
 * Groups with roles (PROTOCOL.md v1.1) end to end, members on two gateway nodes: create, add, promote, remove, transfer,
 * leave and dismiss through the gateway; every change's tips message reaches the members over the WebSocket, the members a
 * change removed too, and is stored in the group's history.
 */
class GroupsIT {
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = Stack.get();
    }

    private static HttpResponse<String> call(String method, String userId, String path, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stack.gateway(1) + path))
                    .header("Authorization", "Bearer " + Tokens.user(userId)).header("Content-Type", "application/json")
                    .method(method, body == null
                            ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(JsonCodec.encode(body)));
            return Stack.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 204);
    }

    /** Waits until {@code ws} got the tips of {@code event} and returns it. */
    private static Message awaitTips(WsClient ws, String event) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> ws.messages().stream()
                .filter(m -> m.content().type() == MessageType.TIPS && event.equals(m.content().event())).findFirst()
                .orElse(null), m -> m != null);
    }

    private static List<String> eventsOf(WsClient ws) {
        return ws.messages().stream().filter(m -> m.content().type() == MessageType.TIPS).map(m -> m.content().event())
                .toList();
    }

    @Test
    void everyGroupChange_reachesTheMembersAndTheRemoved_overTheWebSocket_andIsInHistory() {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        String carol = Stack.user("carol");
        String dave = Stack.user("dave");
        String groupId = "g" + UUID.randomUUID().toString().substring(0, 8);
        String path = "/v1/groups/" + groupId;
        try (WsClient a = stack.connect(1, alice);
                WsClient b = stack.connect(2, bob);
                WsClient c = stack.connect(1, carol);
                WsClient d = stack.connect(2, dave)) {
            for (String user : List.of(alice, bob, carol, dave)) {
                stack.awaitPresence(user, 1);
            }
            // a cold history may miss the claim's 3 s timeout: UNAVAILABLE says retry, and the same owner's claim is granted
            Map<String, Object> create = Map.of("groupId", groupId, "name", "Crew", "members", List.of(bob, carol));
            ok(await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> call("POST", alice, "/v1/groups", create), r -> r.statusCode() != 503));
            for (WsClient ws : List.of(a, b, c)) {
                assertThat(awaitTips(ws, "groupCreated").content().targets()).containsExactlyInAnyOrder(bob, carol);
            }

            ok(call("POST", alice, path + "/members", Map.of("userIds", List.of(dave))));
            for (WsClient ws : List.of(a, b, c, d)) {
                assertThat(awaitTips(ws, "membersJoined").content().targets()).containsExactly(dave);
            }

            assertThat(call("POST", bob, path + "/members", Map.of("userIds", List.of(Stack.user("x")))).statusCode())
                    .as("a member adds nobody").isEqualTo(403);
            ok(call("PATCH", alice, path + "/members/" + bob, Map.of("role", "admin")));
            awaitTips(d, "roleChanged");

            ok(call("DELETE", bob, path + "/members/" + carol, null));
            Message removed = awaitTips(c, "membersRemoved");
            assertThat(removed.content().operator()).isEqualTo(bob);
            assertThat(removed.content().targets()).containsExactly(carol);
            awaitTips(d, "membersRemoved");

            ok(call("POST", alice, path + "/owner", Map.of("userId", bob)));
            awaitTips(d, "ownerChanged");
            ok(call("POST", alice, path + "/leave", null));
            assertThat(awaitTips(a, "memberLeft").content().targets()).containsExactly(alice);
            awaitTips(b, "memberLeft");

            // stored like any reliable message: the group's history holds every tips so far, in order
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode history = stack.getJson(dave, "/v1/conversations/group/" + groupId + "/messages?limit=100");
                assertThat(history.get("messages").findValuesAsText("event")).containsExactly("memberLeft", "ownerChanged",
                        "membersRemoved", "roleChanged", "membersJoined", "groupCreated");
            });

            assertThat(call("DELETE", dave, path, null).statusCode()).as("a member dismisses nothing").isEqualTo(403);
            ok(call("DELETE", bob, path, null));
            for (WsClient ws : List.of(b, d)) {
                assertThat(awaitTips(ws, "groupDismissed").content().targets()).containsExactlyInAnyOrder(bob, dave);
            }
            assertThat(call("GET", bob, path, null).statusCode()).isEqualTo(404);

            assertThat(eventsOf(c)).as("carol hears nothing after her removal").containsExactly("groupCreated",
                    "membersJoined", "roleChanged", "membersRemoved");
            assertThat(eventsOf(d)).containsExactly("membersJoined", "roleChanged", "membersRemoved", "ownerChanged",
                    "memberLeft", "groupDismissed");
        }
    }
}
