package im.gateway;

import static im.gateway.GatewayTestSupport.uniqueUser;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import im.protocol.ClientFrame;
import im.protocol.JsonCodec;
import im.protocol.Presence;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.Tokens;
import im.testkit.TopicProbe;
import im.testkit.WsClient;

/** Presence (v1.1) through the gateway and a real Kafka broker: subscriptions, pushes, setStatus, GET /v1/presence. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
class GatewayPresenceTest {
    private static final AtomicInteger IDS = new AtomicInteger();

    @TestHTTPResource("/")
    URL url;

    private WsClient connect(String userId) {
        WsClient ws = WsClient.connect(url.toString(), Tokens.user(userId));
        ws.awaitOp("session");
        return ws;
    }

    /** Sends a presence op and returns its ack. */
    private static JsonNode request(WsClient ws, Map<String, Object> frame) {
        String id = "p" + IDS.incrementAndGet();
        Map<String, Object> withId = new LinkedHashMap<>(frame);
        withId.put("id", id);
        ws.sendRaw(JsonCodec.encode(withId));
        return ws.awaitFrame(f -> "ack".equals(WsClient.text(f, "op")) && id.equals(WsClient.text(f, "id")));
    }

    private static String status(JsonNode ack) {
        return WsClient.text(ack, "status");
    }

    private static String code(JsonNode ack) {
        return ack.path("error").path("code").asText(null);
    }

    private static List<JsonNode> pushesOf(WsClient ws, String userId) {
        return ws.frames().stream().filter(f -> "presence".equals(WsClient.text(f, "op"))
                && userId.equals(WsClient.text(f, "userId"))).toList();
    }

    private static JsonNode awaitPush(WsClient ws, String userId, int count) {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> pushesOf(ws, userId), pushes -> pushes.size() >= count).get(count - 1);
    }

    @Test
    void aSubscriber_getsTheAck_thenTheCurrentState_thenOnlineStatusAndOfflineChanges() {
        String watcher = uniqueUser("watcher");
        String bob = uniqueUser("bob");
        try (WsClient ws = connect(watcher)) {
            JsonNode ack = request(ws, Map.of("op", "subscribePresence", "userIds", List.of(bob, bob)));
            assertThat(status(ack)).isEqualTo("success");
            JsonNode first = awaitPush(ws, bob, 1);
            assertThat(ws.frames().indexOf(first)).isGreaterThan(ws.frames().indexOf(ack));
            assertThat(WsClient.text(first, "state")).isEqualTo("offline");

            WsClient bobWs = connect(bob);
            assertThat(WsClient.text(awaitPush(ws, bob, 2), "state")).isEqualTo("online");

            assertThat(status(request(bobWs, Map.of("op", "setStatus", "customStatus", "in a meeting ☕")))).isEqualTo(
                    "success");
            JsonNode withStatus = awaitPush(ws, bob, 3);
            assertThat(WsClient.text(withStatus, "state")).isEqualTo("online");
            assertThat(WsClient.text(withStatus, "customStatus")).isEqualTo("in a meeting ☕");

            long beforeLogout = System.currentTimeMillis();
            assertThat(bobWs.request(ClientFrame.simple(ClientFrame.LOGOUT, "bye", null)).isSuccess()).isTrue();
            JsonNode offline = awaitPush(ws, bob, 4);
            assertThat(WsClient.text(offline, "state")).isEqualTo("offline");
            assertThat(offline.path("lastSeenAt").asLong()).isGreaterThanOrEqualTo(beforeLogout);
            assertThat(WsClient.text(offline, "customStatus")).isEqualTo("in a meeting ☕"); // survives going offline
            bobWs.close();

            // a later subscriber (a new session) learns the same from the node's copy of im.presence
            try (WsClient late = connect(uniqueUser("late"))) {
                request(late, Map.of("op", "subscribePresence", "userIds", List.of(bob), "durationSeconds", 60));
                JsonNode current = awaitPush(late, bob, 1);
                assertThat(WsClient.text(current, "state")).isEqualTo("offline");
                assertThat(current.path("lastSeenAt").asLong()).isEqualTo(offline.path("lastSeenAt").asLong());
                assertThat(WsClient.text(current, "customStatus")).isEqualTo("in a meeting ☕");
            }
        }
    }

    @Test
    void aDroppedSocket_isPushedOffline_onlyAfterTheGrace() {
        String bob = uniqueUser("flaky");
        try (WsClient ws = connect(uniqueUser("watcher"))) {
            WsClient bobWs = connect(bob);
            request(ws, Map.of("op", "subscribePresence", "userIds", List.of(bob)));
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> pushesOf(ws, bob).stream().anyMatch(p -> "online".equals(WsClient.text(p, "state"))));
            long dropped = System.currentTimeMillis();
            bobWs.close(); // no logout: the app may come back within the grace (10 s in tests)

            JsonNode offline = Awaitility.await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50))
                    .until(() -> pushesOf(ws, bob).stream().filter(p -> "offline".equals(WsClient.text(p, "state")))
                            .findFirst().orElse(null), p -> p != null);
            // the offline record is written when the grace ends, never before: the push carries its time
            assertThat(offline.path("lastSeenAt").asLong()).isGreaterThanOrEqualTo(dropped + 9_000);
        }
    }

    @Test
    void unsubscribePresence_stopsThePushes() {
        String bob = uniqueUser("bob");
        String barrier = uniqueUser("barrier");
        try (WsClient ws = connect(uniqueUser("watcher"))) {
            request(ws, Map.of("op", "subscribePresence", "userIds", List.of(bob)));
            awaitPush(ws, bob, 1);
            assertThat(status(request(ws, Map.of("op", "unsubscribePresence", "userIds", List.of(bob, "never"))))).isEqualTo(
                    "success");

            try (WsClient bobWs = connect(bob)) {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(presenceOf(bob).path(
                        "state").asText()));
                request(ws, Map.of("op", "subscribePresence", "userIds", List.of(barrier)));
                awaitPush(ws, barrier, 1);
                assertThat(pushesOf(ws, bob)).hasSize(1);
            }
        }
    }

    @Test
    void badPresenceRequests_areRefusedWithCodes_andChangeNothing() {
        try (WsClient ws = connect(uniqueUser("fuzzer"))) {
            List<Map<String, Object>> bad = new ArrayList<>();
            bad.add(Map.of("op", "subscribePresence"));
            bad.add(Map.of("op", "subscribePresence", "userIds", List.of()));
            bad.add(Map.of("op", "subscribePresence", "userIds", IntStream.range(0, 101).mapToObj(i -> "u" + i).toList()));
            bad.add(Map.of("op", "subscribePresence", "userIds", List.of("bad id")));
            bad.add(Map.of("op", "subscribePresence", "userIds", List.of("x".repeat(33))));
            bad.add(Map.of("op", "subscribePresence", "userIds", "bob"));
            bad.add(Map.of("op", "subscribePresence", "userIds", List.of("bob"), "durationSeconds", 0));
            bad.add(Map.of("op", "subscribePresence", "userIds", List.of("bob"), "durationSeconds", 31L * 24 * 3600));
            bad.add(Map.of("op", "unsubscribePresence"));
            bad.add(Map.of("op", "setStatus", "customStatus", "x".repeat(65)));
            bad.add(Map.of("op", "setStatus", "customStatus", "é".repeat(33)));
            bad.add(Map.of("op", "setStatus", "customStatus", "nul\u0000byte"));
            bad.add(Map.of("op", "setStatus", "customStatus", "two\nlines"));
            bad.add(Map.of("op", "setStatus", "customStatus", List.of("a list")));
            for (Map<String, Object> frame : bad) {
                assertThat(code(request(ws, frame))).as(frame.toString().substring(0, Math.min(80,
                        frame.toString().length()))).isEqualTo("INVALID_REQUEST");
            }
            // a null inside the list
            ws.sendRaw("{\"op\":\"subscribePresence\",\"id\":\"n1\",\"userIds\":[\"bob\",null]}");
            assertThat(code(ws.awaitFrame(f -> "n1".equals(WsClient.text(f, "id"))))).isEqualTo("INVALID_REQUEST");
            assertThat(ws.frames()).noneMatch(f -> "presence".equals(WsClient.text(f, "op")));

            // at most 1000 watched users per session, across calls
            for (int call = 0; call < 10; call++) {
                int from = call * 100;
                assertThat(status(request(ws, Map.of("op", "subscribePresence", "userIds",
                        IntStream.range(from, from + 100).mapToObj(i -> "w" + i).toList())))).isEqualTo("success");
            }
            assertThat(code(request(ws, Map.of("op", "subscribePresence", "userIds", List.of("one-more")))))
                    .isEqualTo("INVALID_REQUEST");
            assertThat(status(request(ws, Map.of("op", "subscribePresence", "userIds", List.of("w5"))))).isEqualTo(
                    "success"); // already watched: no new one
            assertThat(ws.isClosed()).isFalse();
        }
    }

    private JsonNode presenceOf(String userId) {
        String body = given().auth().oauth2(Tokens.user("asker")).queryParam("userIds", userId).get(url + "v1/presence")
                .then().statusCode(200).extract().asString();
        return JsonCodec.tree(body).path("presence").get(0);
    }

    @Test
    void getPresence_answersTheStateOfEachUser_andRefusesBadLists() {
        String bob = uniqueUser("bob");
        String nobody = uniqueUser("nobody");
        try (WsClient bobWs = connect(bob)) {
            request(bobWs, Map.of("op", "setStatus", "customStatus", "coding"));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "coding".equals(presenceOf(bob).path(
                    "customStatus").asText(null)));

            given().auth().oauth2(Tokens.user("asker")).get(url + "v1/presence?userIds=" + bob + "," + nobody + "," + bob)
                    .then().statusCode(200)
                    .body("presence.size()", equalTo(2))
                    .body("presence[0].userId", equalTo(bob)).body("presence[0].state", equalTo("online"))
                    .body("presence[0].customStatus", equalTo("coding"))
                    .body("presence[1].userId", equalTo(nobody)).body("presence[1].state", equalTo("offline"))
                    // exactly the contract's fields (a getter once leaked an "online" boolean)
                    .body("presence[0].keySet()", containsInAnyOrder("userId", "state", "customStatus"));

            // an empty status clears it
            request(bobWs, Map.of("op", "setStatus", "customStatus", ""));
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> presenceOf(bob).path("customStatus").isMissingNode());
        }
        String hundredAndOne = String.join(",", IntStream.range(0, 101).mapToObj(i -> "u" + i).toList());
        given().auth().oauth2(Tokens.user("asker")).get(url + "v1/presence").then().statusCode(400)
                .body("error.code", equalTo("INVALID_REQUEST"));
        for (String userIds : List.of("", "a,,b", "bad id", hundredAndOne, "a\u0000b", "é")) {
            given().auth().oauth2(Tokens.user("asker")).queryParam("userIds", userIds).get(url + "v1/presence").then()
                    .statusCode(400).body("error.code", equalTo("INVALID_REQUEST"));
        }
        given().get(url + "v1/presence?userIds=a").then().statusCode(401);
    }

    @Test
    void junkOnImPresence_isDeadLettered_andTheLoopReadsOn() {
        String bob = uniqueUser("bob");
        try (WsClient ws = connect(uniqueUser("watcher"));
                TopicProbe dlq = TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.DLQ)) {
            String kafka = EmbeddedKafka.shared().bootstrapServers();
            TopicProbe.produce(kafka, new ProducerRecord<>(Topics.PRESENCE, Presence.statusKey(bob), "{broken\u0000"));
            TopicProbe.produce(kafka, new ProducerRecord<>(Topics.PRESENCE, Presence.statusKey(bob),
                    JsonCodec.encode(Presence.status("gw-x", 0, 1, "someone-else", "spoof", 1))));
            TopicProbe.produce(kafka, new ProducerRecord<>(Topics.PRESENCE, "weird/" + bob, "{}"));
            dlq.await(r -> r.value() != null && r.value().contains("someone-else"));
            dlq.await(r -> ("weird/" + bob).equals(r.key()));

            request(ws, Map.of("op", "subscribePresence", "userIds", List.of(bob)));
            try (WsClient bobWs = connect(bob)) {
                request(bobWs, Map.of("op", "setStatus", "customStatus", "after the junk"));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pushesOf(ws, bob).stream()
                        .anyMatch(p -> "after the junk".equals(WsClient.text(p, "customStatus"))));
                assertThat(pushesOf(ws, bob)).noneMatch(p -> "spoof".equals(WsClient.text(p, "customStatus")));
            }
        }
    }
}
