package im.gateway;

import static im.gateway.GatewayTestSupport.uniqueUser;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/** The gateway's REST API against a real broker: messages, groups written to im.membership, dev tokens, refusals. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
class GatewayRestTest {

    @TestHTTPResource("/")
    URL url;

    @Test
    void postMessage_answersLikeAnAck_andRefusalsCarryTheirCodes() {
        String alice = uniqueUser("alice");
        Map<String, Object> body = Map.of("to", Map.of("type", "peer", "id", "bob"), "message",
                Map.of("type", "text", "text", "over http"), "clientMsgId", "h1");
        given().auth().oauth2(Tokens.user(alice)).contentType(ContentType.JSON).body(body).post("/v1/messages")
                .then().statusCode(200).body("op", equalTo("ack")).body("status", equalTo("success"))
                .body("messageId", notNullValue()).body("orderKey", notNullValue());

        given().contentType(ContentType.JSON).body(body).post("/v1/messages")
                .then().statusCode(401).body("error.code", equalTo("UNAUTHORIZED"));
        given().auth().oauth2("garbage").contentType(ContentType.JSON).body(body).post("/v1/messages")
                .then().statusCode(401).body("error.code", equalTo("UNAUTHORIZED"));
        given().auth().oauth2(Tokens.user(alice)).contentType(ContentType.JSON)
                .body(Map.of("to", Map.of("type", "peer", "id", alice), "message", Map.of("type", "text", "text", "me")))
                .post("/v1/messages").then().statusCode(400).body("error.code", equalTo("SEND_TO_SELF"));
        given().auth().oauth2(Tokens.user(alice)).contentType(ContentType.JSON).body("{\"to\":")
                .post("/v1/messages").then().statusCode(400).body("error.code", equalTo("INVALID_REQUEST"));
    }

    @Test
    void groupCreation_isDecidedByHistory_andAnswersUnavailableWithoutIt() {
        // history-service is not running in these tests: the first-creator-wins claim cannot be made
        given().auth().oauth2(Tokens.user(uniqueUser("owner"))).contentType(ContentType.JSON)
                .body(Map.of("groupId", uniqueUser("g"), "name", "Team")).post("/v1/groups")
                .then().statusCode(503).body("error.code", equalTo("UNAVAILABLE"));
    }

    @Test
    void groups_writtenToMembership_areManagedByTheirOwner() {
        String owner = uniqueUser("owner");
        String member = uniqueUser("member");
        String outsider = uniqueUser("outsider");
        String groupId = uniqueUser("g");
        String servers = EmbeddedKafka.shared().bootstrapServers();
        long now = System.currentTimeMillis();
        // a group as a backend (or the gateway, once history granted the claim) writes it
        TopicProbe.produce(servers, new ProducerRecord<>(Topics.MEMBERSHIP, Membership.groupKey(groupId),
                JsonCodec.encode(new Membership(1, Membership.KIND_GROUP, groupId, null, "Team", owner, now))));
        for (String user : List.of(owner, member)) {
            TopicProbe.produce(servers, new ProducerRecord<>(Topics.MEMBERSHIP, Membership.memberKey(groupId, user),
                    JsonCodec.encode(new Membership(1, Membership.KIND_MEMBER, groupId, user, null, null, now))));
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth()
                .oauth2(Tokens.user(owner)).get("/v1/groups/" + groupId + "/members").then().statusCode(200)
                .body("members", containsInAnyOrder(owner, member)));
        given().auth().oauth2(Tokens.user(owner)).contentType(ContentType.JSON)
                .body(Map.of("groupId", groupId, "name", "Again")).post("/v1/groups")
                .then().statusCode(409).body("error.code", equalTo("ALREADY_EXISTS"));
        given().auth().oauth2(Tokens.user(outsider)).get("/v1/groups/" + groupId + "/members")
                .then().statusCode(403).body("error.code", equalTo("FORBIDDEN"));
        // v1.1: only the owner and admins add members (records written before v1.1 carry no role: members)
        given().auth().oauth2(Tokens.user(member)).contentType(ContentType.JSON)
                .body(Map.of("userIds", List.of(outsider))).post("/v1/groups/" + groupId + "/members")
                .then().statusCode(403).body("error.code", equalTo("FORBIDDEN"));
        try (TopicProbe probe = TopicProbe.fromEnd(servers, Topics.MEMBERSHIP)) {
            given().auth().oauth2(Tokens.user(owner)).contentType(ContentType.JSON)
                    .body(Map.of("userIds", List.of(outsider))).post("/v1/groups/" + groupId + "/members")
                    .then().statusCode(200).body("members", containsInAnyOrder(owner, member, outsider));
            assertThat(probe.await(r -> r.key().equals("group/" + groupId + "/" + outsider)).value()).contains(outsider);
        }
        given().auth().oauth2(Tokens.user(member)).delete("/v1/groups/" + groupId + "/members/" + outsider)
                .then().statusCode(403).body("error.code", equalTo("FORBIDDEN"));
        given().auth().oauth2(Tokens.user(owner)).delete("/v1/groups/" + groupId + "/members/" + outsider)
                .then().statusCode(200).body("members", containsInAnyOrder(owner, member));
        given().auth().oauth2(Tokens.user(owner)).get("/v1/groups/nope-" + groupId + "/members")
                .then().statusCode(404).body("error.code", equalTo("NOT_FOUND"));
    }

    @Test
    void devTokenEndpoint_signsTokensTheGatewayAccepts() {
        String token = given().contentType(ContentType.JSON).body(Map.of("userId", "dev-user", "userName", "Dev"))
                .post("/v1/auth/token").then().statusCode(200).body("expiresAt", notNullValue()).extract().path("token");
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("to", Map.of("type", "peer", "id", "bob"), "message", Map.of("type", "text", "text", "hi")))
                .post("/v1/messages").then().statusCode(200).body("status", equalTo("success"));
        given().contentType(ContentType.JSON).body(Map.of("userId", "bad id")).post("/v1/auth/token")
                .then().statusCode(400).body("error.code", equalTo("INVALID_REQUEST"));
    }

    @Test
    void media_isUnavailable_whileTheMediaServiceCannotBeReached_butADeclaredOversizeIsRefusedAtOnce() throws Exception {
        String alice = uniqueUser("alice");
        given().auth().oauth2(Tokens.user(alice)).multiPart("type", "image").multiPart("file", "a.png", new byte[]{1, 2, 3})
                .post("/v1/media").then().statusCode(503).body("error.code", equalTo("UNAVAILABLE"));
        HttpResponse<String> tooLarge = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url + "v1/media?type=image"))
                        .header("Authorization", "Bearer " + Tokens.user(alice))
                        .header("Content-Type", "multipart/form-data; boundary=b")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[11 * 1024 * 1024])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tooLarge.statusCode()).as("a declared length beyond the type's limit, refused at the gateway")
                .isEqualTo(413);
        assertThat(tooLarge.body()).contains("MESSAGE_TOO_LARGE");
        given().get("/v1/media/0190a4a2-5b7e-7c3d-8e9f-0a1b2c3d4e5f?exp=1&sig=x")
                .then().statusCode(503).body("error.code", equalTo("UNAVAILABLE"));
        Map<String, Object> body = Map.of("to", Map.of("type", "peer", "id", "bob"), "message",
                Map.of("type", "image", "mediaId", "0190a4a2-5b7e-7c3d-8e9f-0a1b2c3d4e5f"));
        given().auth().oauth2(Tokens.user(alice)).contentType(ContentType.JSON).body(body).post("/v1/messages")
                .then().statusCode(503).body("error.code", equalTo("UNAVAILABLE"));
        given().auth().oauth2(Tokens.user(alice)).contentType(ContentType.JSON)
                .body(Map.of("to", Map.of("type", "peer", "id", "bob"), "message",
                        Map.of("type", "image", "mediaId", "../../etc/passwd")))
                .post("/v1/messages").then().statusCode(400).body("error.code", equalTo("INVALID_REQUEST"));
    }

    @Test
    void readiness_waitsForThePositionInThisNodesDeliveriesPartition() {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given()
                .get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'kafka-pipelines' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'kafka-pipelines' }.data.deliveries",
                        Matchers.startsWith("RUNNING: reading [im.deliveries-5 from "))
                .body("checks.find { it.name == 'kafka-pipelines' }.data.membership",
                        Matchers.startsWith("RUNNING")));
    }

    /**
     * Found by GatewayFuzzTest: refusals were written with the record's toString when the client accepted text, and
     * bodies of the wrong shape got Quarkus' own error format or an empty 400.
     */
    @Test
    void everyRefusal_isTheContractsJson_whateverTheRequest() {
        String alice = uniqueUser("alice");
        given().auth().oauth2(Tokens.user(alice)).contentType(ContentType.JSON).accept("text/plain")
                .body(Map.of("to", Map.of("type", "peer", "id", alice), "message", Map.of("type", "text", "text", "me")))
                .post("/v1/messages").then().statusCode(400).contentType(ContentType.JSON)
                .body("error.code", equalTo("SEND_TO_SELF"));
        given().auth().oauth2(Tokens.user(alice)).accept("text/html").get("/v1/groups/nope/members")
                .then().contentType(ContentType.JSON).body("error.code", notNullValue());
        for (String body : List.of("true", "[]", "{\"to\":{\"type\":\"peer\",\"id\":\"bob\"},\"message\":[]}",
                "{\"to\":{\"type\":\"peer\",\"id\":\"bob\"},\"message\":{\"type\":\"sticker\"}}")) {
            given().auth().oauth2(Tokens.user(alice)).contentType(ContentType.JSON).body(body).post("/v1/messages")
                    .then().statusCode(400).contentType(ContentType.JSON).body("error.code", equalTo("INVALID_REQUEST"));
        }
    }
}
