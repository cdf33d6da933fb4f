package im.gateway;

import static im.gateway.GatewayTestSupport.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

import im.protocol.ClientFrame;
import im.protocol.Delivery;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.Priority;
import im.protocol.RecordHeaders;
import im.protocol.Sender;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.PoisonRecords;
import im.testkit.RawWebSocket;
import im.testkit.Tokens;
import im.testkit.TopicProbe;
import im.testkit.WsClient;

/**
 * What an attacker sends the gateway, frame by frame, and what a broken backend writes to its topics: every refusal is a
 * catalogued code that names the request, the connection stays open unless a documented close code says otherwise, and
 * nothing stops this node's consumers.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
class GatewayInputTest {

    @TestHTTPResource("/")
    URL url;

    private WsClient connect(String userId) {
        return WsClient.connect(url.toString(), Tokens.user(userId));
    }

    private static String kafka() {
        return EmbeddedKafka.shared().bootstrapServers();
    }

    /** The ack of request {@code id}: its status, or its error code. */
    private static String answer(WsClient ws, String id) {
        JsonNode ack = ws.awaitFrame(f -> "ack".equals(WsClient.text(f, "op")) && id.equals(WsClient.text(f, "id")));
        return "success".equals(WsClient.text(ack, "status")) ? "success" : ack.get("error").get("code").asText();
    }

    private static String sendFrame(String id, String message, String extra) {
        return "{\"op\":\"send\",\"id\":\"" + id + "\",\"to\":{\"type\":\"peer\",\"id\":\"bob\"},\"message\":" + message
                + extra + "}";
    }

    @Test
    void brokenFields_areRefusedWithTheRequestsId_andTheConnectionStaysOpen() {
        try (WsClient ws = connect(uniqueUser("mallory"))) {
            Map<String, String> frames = Map.of(
                    "nul", sendFrame("nul", "{\"type\":\"text\",\"text\":\"a\\u0000b\"}", ""),
                    "surrogate", sendFrame("surrogate", "{\"type\":\"text\",\"text\":\"a\\ud800\"}", ""),
                    "priority", sendFrame("priority", "{\"type\":\"text\",\"text\":\"hi\"}", ",\"priority\":\"urgent\""),
                    "nullMention", sendFrame("nullMention", "{\"type\":\"text\",\"text\":\"hi\"}",
                            ",\"mentions\":{\"userIds\":[null]}"),
                    "manyMentions", sendFrame("manyMentions", "{\"type\":\"text\",\"text\":\"hi\"}",
                            ",\"mentions\":{\"userIds\":" + JsonCodec.encode(Collections.nCopies(51, "u")) + "}"),
                    "clientMsgId", sendFrame("clientMsgId", "{\"type\":\"text\",\"text\":\"hi\"}",
                            ",\"clientMsgId\":\"" + "c".repeat(65) + "\""),
                    "badRoom", "{\"op\":\"enterRoom\",\"id\":\"badRoom\",\"roomId\":\"no spaces\"}",
                    "unknownOp", "{\"op\":\"explode\",\"id\":\"unknownOp\"}");
            frames.values().forEach(ws::sendRaw);
            for (String id : frames.keySet()) {
                assertThat(answer(ws, id)).as(id).isEqualTo("INVALID_REQUEST");
            }
            ws.sendRaw(sendFrame("fine", "{\"type\":\"text\",\"text\":\"hi\"}", ",\"mentions\":{\"userIds\":[\"bob\"]}"));
            assertThat(answer(ws, "fine")).as("mentions without all").isEqualTo("success");
            ws.sendRaw("{not json");
            JsonNode error = ws.awaitOp("error");
            assertThat(error.get("error").get("code").asText()).isEqualTo("INVALID_REQUEST");
            assertThat(ws.isClosed()).isFalse();
        }
    }

    @Test
    void frameOverTheContractsLimit_isMessageTooLarge_andOverOneMebibyte_closesTheConnection() {
        try (WsClient ws = connect(uniqueUser("big"))) {
            String text = "x".repeat(100 * 1024);
            ws.sendRaw(sendFrame("big", "{\"type\":\"text\",\"text\":\"" + text + "\"}", ""));
            assertThat(answer(ws, "big")).isEqualTo("MESSAGE_TOO_LARGE");
            ws.sendRaw(sendFrame("after", "{\"type\":\"text\",\"text\":\"small\"}", ""));
            assertThat(answer(ws, "after")).isEqualTo("success");

            // the server closes with 1009 without reading the rest; a client still writing may see only the reset
            try {
                ws.sendRaw(sendFrame("huge", "{\"type\":\"text\",\"text\":\"" + "y".repeat(1100 * 1024) + "\"}", ""));
            } catch (RuntimeException e) {
                // the connection went away while the frame was being written
            }
            assertThat(ws.awaitClosed()).isIn(1009, -1);
        }
        try (WsClient next = connect(uniqueUser("big"))) {
            next.sendRaw(sendFrame("next", "{\"type\":\"text\",\"text\":\"small\"}", ""));
            assertThat(answer(next, "next")).isEqualTo("success");
        }
    }

    /**
     * Found by GatewayFuzzTest: a message over 1 MiB sent in fragments (as java.net.http and some browsers send large
     * messages) overflowed Vert.x's message buffer and websockets-next closed the connection with 1011, not 1009.
     */
    @Test
    void aMessageOverOneMebibyte_inFragments_closesWith1009() throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(url.toString(), "/v1/ws",
                Map.of("Authorization", "Bearer " + Tokens.user(uniqueUser("frag"))))) {
            ws.sendFragmented(sendFrame("frag", "{\"type\":\"text\",\"text\":\"" + "y".repeat(1100 * 1024) + "\"}", ""),
                    16 * 1024);
            assertThat(ws.readUntil(text -> false).closeCode()).isEqualTo(1009);
        }
    }

    /** Found by GatewayFuzzTest: a binary frame was dropped without an answer (under websockets-next). */
    @Test
    void aBinaryFrame_getsAnErrorFrame_andTheSessionGoesOn() throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(url.toString(), "/v1/ws",
                Map.of("Authorization", "Bearer " + Tokens.user(uniqueUser("binary"))))) {
            ws.sendFrame(0x82, "{\"op\":\"ping\",\"id\":\"b\"}".getBytes(StandardCharsets.UTF_8));
            ws.sendText("{\"op\":\"ping\",\"id\":\"after\"}");
            RawWebSocket.Outcome outcome = ws.readUntil(text -> text.contains("\"after\""));
            assertThat(outcome.closeCode()).isZero();
            assertThat(outcome.texts()).anySatisfy(text -> assertThat(JsonCodec.tree(text).path("error").path("code")
                    .asText()).isEqualTo("INVALID_REQUEST"));
        }
    }

    /** Found by GatewayFuzzTest: a reserved opcode or a continuation of nothing closed with 1009 (message too big). */
    @Test
    void aFrameTheRfcForbids_closesWith1002() throws Exception {
        for (int firstByte : new int[]{0x83, 0x80}) {
            try (RawWebSocket ws = RawWebSocket.open(url.toString(), "/v1/ws",
                    Map.of("Authorization", "Bearer " + Tokens.user(uniqueUser("rfc"))))) {
                ws.sendFrame(firstByte, "{\"op\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
                assertThat(ws.readUntil(text -> false).closeCode()).as("first byte %x", firstByte).isIn(1002, -1);
            }
        }
    }

    /** Found by GatewayFuzzTest: a token whose name breaks the rules closed the socket naming INVALID_REQUEST. */
    @Test
    void aTokenWithAnInvalidName_isUnauthorized() {
        String token = Tokens.sign(Tokens.DEV_SECRET, uniqueUser("named"), "n".repeat(300), Duration.ofHours(1), false);
        try (WsClient ws = WsClient.connect(url.toString(), token)) {
            assertThat(ws.awaitClosed()).isEqualTo(4401);
            assertThat(ws.frames().get(0).get("error").get("code").asText()).isEqualTo("UNAUTHORIZED");
        }
        RestAssured.given().baseUri(url.toString()).auth().oauth2(token).contentType("application/json")
                .body("{}").post("/v1/messages").then().statusCode(401)
                .body("error.code", Matchers.equalTo("UNAUTHORIZED"));
    }

    @Test
    void roomsPerSession_areBounded() {
        try (WsClient ws = connect(uniqueUser("roomer"))) {
            for (int i = 0; i < 50; i++) {
                String room = "room-" + i;
                // room entries are rate limited per user: a RATE_LIMITED answer is asked again once the bucket refills
                Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> answer(ws, ws.send(ClientFrame.room(ClientFrame.ENTER_ROOM, null, room))),
                                "success"::equals);
            }
            String id = ws.send(ClientFrame.room(ClientFrame.ENTER_ROOM, "one-too-many", "room-50"));
            assertThat(answer(ws, id)).isEqualTo("INVALID_REQUEST");
            String again = ws.send(ClientFrame.room(ClientFrame.ENTER_ROOM, "room-0-again", "room-0"));
            assertThat(answer(ws, again)).as("a room already entered").isEqualTo("success");
        }
    }

    @Test
    void receiptsAndRoomEntries_areRateLimited() {
        try (WsClient ws = connect(uniqueUser("flood"))) {
            for (int i = 0; i < 40; i++) {
                ws.sendRaw("{\"op\":\"receipt\",\"id\":\"rc" + i
                        + "\",\"to\":{\"type\":\"peer\",\"id\":\"bob\"},\"orderKey\":1,\"kind\":\"read\"}");
            }
            for (int i = 0; i < 45; i++) {
                ws.send(ClientFrame.room(ClientFrame.ENTER_ROOM, "en" + i, "flood-" + i));
            }
            List<String> receipts = IntStream.range(0, 40).mapToObj(i -> answer(ws, "rc" + i)).toList();
            List<String> entries = IntStream.range(0, 45).mapToObj(i -> answer(ws, "en" + i)).toList();
            assertThat(receipts).as("receipts past 20 a second").contains("RATE_LIMITED").contains("success");
            assertThat(entries).as("room entries past their rate (25 a second in tests)").contains("RATE_LIMITED")
                    .contains("success");
        }
    }

    @Test
    void poisonDeliveries_areDeadLettered_andPushingGoesOn() {
        String bob = uniqueUser("bob");
        Message message = new Message(MessageIds.next(System.currentTimeMillis()), "c", 1L, null, new Sender("alice", null),
                System.currentTimeMillis(), Priority.LOW, null, null, MessageContent.text("valid"));
        String valid = JsonCodec.encode(new Delivery(1, "gw-test", "peer/alice," + bob, List.of(bob), null, null, message));
        Map<String, String> kinds = PoisonRecords.jsonKinds(valid, j -> j.replace("[\"" + bob + "\"]", "[null]"),
                j -> j.replace("\"valid\"", "\"a\\u0000\""), j -> j.replace("\"" + bob + "\"", "\"" + "b".repeat(40) + "\""));
        kinds.put("no payload", valid.replaceAll(",\"message\":\\{.*}}$", "}"));
        RestAssured.given().baseUri(url.toString()).get("/q/health/ready"); // the node is reading its slot
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> RestAssured.given()
                .baseUri(url.toString()).get("/q/health/ready").statusCode() == 200);
        try (WsClient ws = connect(bob); TopicProbe dlq = TopicProbe.fromEnd(kafka(), Topics.DLQ)) {
            String id = ws.send(ClientFrame.simple(ClientFrame.PING, null, null));
            ws.awaitFrame(f -> "pong".equals(WsClient.text(f, "op")) && id.equals(WsClient.text(f, "id")));
            List<PoisonRecords.Written> written = new ArrayList<>();
            for (Map.Entry<String, String> kind : kinds.entrySet()) {
                PoisonRecords.Written w = PoisonRecords.writeTo(kafka(), Topics.DELIVERIES, 5, "gw-test", kind.getValue());
                written.add(new PoisonRecords.Written(kind.getKey(), w.topic(), w.partition(), w.offset()));
            }
            Message good = new Message(MessageIds.next(System.currentTimeMillis()), "c2", 2L, 1L, new Sender("alice", null),
                    System.currentTimeMillis(), Priority.LOW, null, null, MessageContent.text("good after poison"));
            TopicProbe.produce(kafka(), new ProducerRecord<>(Topics.DELIVERIES, 5, "gw-test",
                    JsonCodec.encode(new Delivery(1, "gw-test", "peer/alice," + bob, List.of(bob), null, null, good))));

            assertThat(ws.awaitMessages(1).get(0).content().text()).isEqualTo("good after poison");
            for (PoisonRecords.Written poison : written) {
                ConsumerRecord<String, String> dead = dlq.await(r -> Topics.DELIVERIES.equals(header(r,
                        RecordHeaders.ORIGIN_TOPIC)) && String.valueOf(poison.offset()).equals(
                                header(r,
                                        RecordHeaders.ORIGIN_OFFSET)));
                assertThat(header(dead, RecordHeaders.ERROR)).as(poison.kind()).isEqualTo("INVALID_REQUEST");
                assertThat(header(dead, RecordHeaders.DEAD_LETTERED_BY)).isEqualTo("gateway-service/deliveries");
            }
        }
    }

    private static String header(ConsumerRecord<String, String> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
