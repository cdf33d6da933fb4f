package im.gateway.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import im.gateway.service.HistoryOrigin;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.MessageRules;
import im.protocol.MessageType;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/**
 * The group API with roles (PROTOCOL.md v1.1) against a real broker, history's first-creator-wins claim answered by a
 * stand-in: who may do what, and the tips message each change writes to im.messages.reliable.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = HistoryOrigin.class, restrictToAnnotatedClass = true)
class GroupResourceTest {

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static RequestSpecification as(String userId) {
        return given().auth().oauth2(Tokens.user(userId)).contentType(ContentType.JSON);
    }

    private static TopicProbe reliable() {
        return TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.MESSAGES_RELIABLE);
    }

    /** The next tips of {@code event} in the group's conversation: checked like routing checks a record. */
    private static Envelope awaitTips(TopicProbe probe, String groupId, String event) {
        ConsumerRecord<String, String> record = probe.await(r -> ("group/" + groupId).equals(r.key())
                && r.value().contains("\"event\":\"" + event + "\""));
        Envelope envelope = JsonCodec.decode(record.value(), Envelope.class);
        MessageRules.checkEnvelope(envelope);
        assertThat(envelope.message().type()).isEqualTo(MessageType.TIPS);
        assertThat(new String(record.headers().lastHeader("im-type").value())).isEqualTo("tips");
        return envelope;
    }

    private static String create(String owner, String... members) {
        String groupId = unique("g");
        as(owner).body(Map.of("groupId", groupId, "name", "Team", "members", List.of(members))).post("/v1/groups")
                .then().statusCode(200);
        return groupId;
    }

    @Test
    void groupLifecycle_followsTheRoles_andEveryChangeWritesItsTips() {
        String alice = unique("alice");
        String bob = unique("bob");
        String carol = unique("carol");
        String dave = unique("dave");
        String outsider = unique("out");
        String groupId = unique("g");
        try (TopicProbe probe = reliable()) {
            as(alice).body(Map.of("groupId", groupId, "name", "Team", "members", List.of(bob, carol)))
                    .post("/v1/groups").then().statusCode(200).body("owner", equalTo(alice))
                    .body("members", containsInAnyOrder(alice, bob, carol));
            Envelope created = awaitTips(probe, groupId, "groupCreated");
            assertThat(created.sender().id()).isEqualTo(alice);
            assertThat(created.message().operator()).isEqualTo(alice);
            assertThat(created.message().targets()).containsExactlyInAnyOrder(bob, carol);

            as(bob).get("/v1/groups/" + groupId).then().statusCode(200).body("groupId", equalTo(groupId))
                    .body("name", equalTo("Team")).body("owner", equalTo(alice)).body("notice", equalTo(""))
                    .body("avatarUrl", equalTo("")).body("attributes", equalTo(Map.of()))
                    .body("members.find { it.userId == '" + alice + "' }.role", equalTo("owner"))
                    .body("members.find { it.userId == '" + bob + "' }.role", equalTo("member"));
            as(outsider).get("/v1/groups/" + groupId).then().statusCode(403).body("error.code", equalTo("FORBIDDEN"));
            as(bob).get("/v1/groups").then().statusCode(200)
                    .body("groups.find { it.groupId == '" + groupId + "' }.role", equalTo("member"))
                    .body("groups.find { it.groupId == '" + groupId + "' }.memberCount", equalTo(3))
                    .body("groups.find { it.groupId == '" + groupId + "' }.name", equalTo("Team"));

            // members neither add, remove, edit nor set roles
            as(bob).body(Map.of("userIds", List.of(dave))).post("/v1/groups/" + groupId + "/members")
                    .then().statusCode(403).body("error.code", equalTo("FORBIDDEN"));
            as(bob).delete("/v1/groups/" + groupId + "/members/" + carol).then().statusCode(403);
            as(bob).body(Map.of("notice", "hi")).patch("/v1/groups/" + groupId).then().statusCode(403);
            as(bob).body(Map.of("role", "admin")).patch("/v1/groups/" + groupId + "/members/" + carol)
                    .then().statusCode(403);

            // the owner makes bob an admin; roles are admin or member
            as(alice).body(Map.of("role", "owner")).patch("/v1/groups/" + groupId + "/members/" + bob)
                    .then().statusCode(400).body("error.code", equalTo("INVALID_REQUEST"));
            as(alice).body(Map.of("role", "superuser")).patch("/v1/groups/" + groupId + "/members/" + bob)
                    .then().statusCode(400).body("error.code", equalTo("INVALID_REQUEST"));
            as(alice).body(Map.of("role", "admin")).patch("/v1/groups/" + groupId + "/members/" + outsider)
                    .then().statusCode(404).body("error.code", equalTo("NOT_FOUND"));
            as(alice).body(Map.of("role", "admin")).patch("/v1/groups/" + groupId + "/members/" + bob)
                    .then().statusCode(200).body("members.find { it.userId == '" + bob + "' }.role", equalTo("admin"));
            Envelope promoted = awaitTips(probe, groupId, "roleChanged");
            assertThat(promoted.message().operator()).isEqualTo(alice);
            assertThat(promoted.message().targets()).containsExactly(bob);

            // an admin adds, edits, and removes members but neither the owner nor sets roles
            as(bob).body(Map.of("userIds", List.of(dave, carol))).post("/v1/groups/" + groupId + "/members")
                    .then().statusCode(200).body("members", containsInAnyOrder(alice, bob, carol, dave));
            assertThat(awaitTips(probe, groupId, "membersJoined").message().targets()).as("carol was a member already")
                    .containsExactly(dave);
            as(bob).body(Map.of("notice", "read me", "attributes", Map.of("topic", "cats"))).patch("/v1/groups/" + groupId)
                    .then().statusCode(200).body("notice", equalTo("read me")).body("name", equalTo("Team"))
                    .body("attributes.topic", equalTo("cats"));
            Envelope edited = awaitTips(probe, groupId, "groupInfoChanged");
            assertThat(edited.message().operator()).isEqualTo(bob);
            assertThat(edited.message().targets()).isEmpty();
            as(bob).body(Map.of("role", "member")).patch("/v1/groups/" + groupId + "/members/" + carol)
                    .then().statusCode(403);
            as(bob).delete("/v1/groups/" + groupId + "/members/" + alice).then().statusCode(403)
                    .body("error.code", equalTo("FORBIDDEN"));
            as(bob).delete("/v1/groups/" + groupId + "/members/" + carol).then().statusCode(200)
                    .body("members", containsInAnyOrder(alice, bob, dave));
            Envelope removed = awaitTips(probe, groupId, "membersRemoved");
            assertThat(removed.message().targets()).containsExactly(carol);
            as(carol).get("/v1/groups/" + groupId).then().statusCode(403);

            // the owner leaves only after a transfer, and then is a member
            as(alice).post("/v1/groups/" + groupId + "/leave").then().statusCode(403).body("error.code", equalTo("FORBIDDEN"));
            as(bob).body(Map.of("userId", dave)).post("/v1/groups/" + groupId + "/owner").then().statusCode(403);
            as(alice).body(Map.of("userId", outsider)).post("/v1/groups/" + groupId + "/owner").then().statusCode(404);
            as(alice).body(Map.of("userId", bob)).post("/v1/groups/" + groupId + "/owner").then().statusCode(200)
                    .body("owner", equalTo(bob)).body("notice", equalTo("read me"))
                    .body("members.find { it.userId == '" + alice + "' }.role", equalTo("member"))
                    .body("members.find { it.userId == '" + bob + "' }.role", equalTo("owner"));
            assertThat(awaitTips(probe, groupId, "ownerChanged").message().targets()).containsExactly(bob);
            as(alice).post("/v1/groups/" + groupId + "/leave").then().statusCode(204);
            Envelope left = awaitTips(probe, groupId, "memberLeft");
            assertThat(left.message().operator()).isEqualTo(alice);
            assertThat(left.message().targets()).containsExactly(alice);
            as(alice).get("/v1/groups").then().statusCode(200).body("groups.groupId", not(hasItem(groupId)));

            // only the owner dismisses; every member it had gets the tips
            as(dave).delete("/v1/groups/" + groupId).then().statusCode(403);
            as(bob).delete("/v1/groups/" + groupId).then().statusCode(204);
            Envelope dismissed = awaitTips(probe, groupId, "groupDismissed");
            assertThat(dismissed.message().operator()).isEqualTo(bob);
            assertThat(dismissed.message().targets()).containsExactlyInAnyOrder(bob, dave);
            as(bob).get("/v1/groups/" + groupId).then().statusCode(404).body("error.code", equalTo("NOT_FOUND"));
            as(dave).get("/v1/groups/" + groupId + "/members").then().statusCode(404);
        }
    }

    @Test
    void v1Calls_keepTheirAnswers_andAMemberStillLeavesByRemovingThemself() {
        String alice = unique("alice");
        String bob = unique("bob");
        String groupId = create(alice, bob);
        as(bob).get("/v1/groups/" + groupId + "/members").then().statusCode(200).body("groupId", equalTo(groupId))
                .body("name", equalTo("Team")).body("members", containsInAnyOrder(alice, bob));
        try (TopicProbe probe = reliable()) {
            as(bob).delete("/v1/groups/" + groupId + "/members/" + bob).then().statusCode(200)
                    .body("members", containsInAnyOrder(alice));
            assertThat(awaitTips(probe, groupId, "memberLeft").message().targets()).containsExactly(bob);
        }
        as(alice).delete("/v1/groups/" + groupId + "/members/" + alice).then().statusCode(403);
    }

    @Test
    void badGroupRequests_areRefusedWithInvalidRequest_andChangeNothing() {
        String alice = unique("alice");
        String bob = unique("bob");
        String groupId = create(alice, bob);
        String path = "/v1/groups/" + groupId;
        as(alice).body(Map.of()).patch(path).then().statusCode(400).body("error.code", equalTo("INVALID_REQUEST"));
        as(alice).body(Map.of("notice", "x".repeat(1025))).patch(path).then().statusCode(400)
                .body("error.code", equalTo("INVALID_REQUEST"));
        as(alice).body(Map.of("avatarUrl", "x".repeat(1025))).patch(path).then().statusCode(400);
        as(alice).body(Map.of("name", "x".repeat(257))).patch(path).then().statusCode(400);
        as(alice).body("{\"notice\":\"nul\\u0000\"}").patch(path).then().statusCode(400)
                .body("error.code", equalTo("INVALID_REQUEST"));
        as(alice).body("{\"attributes\":{\"k\\u0000\":\"v\"}}").patch(path).then().statusCode(400)
                .body("error.code", equalTo("INVALID_REQUEST"));
        as(alice).body("{\"attributes\":{\"k\":null}}").patch(path).then().statusCode(400)
                .body("error.code", equalTo("INVALID_REQUEST"));
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i <= 20; i++) {
            many.put("k" + i, "v");
        }
        as(alice).body(Map.of("attributes", many)).patch(path).then().statusCode(400);
        as(alice).body(Map.of("attributes", Map.of("k".repeat(65), "v"))).patch(path).then().statusCode(400);
        as(alice).body(Map.of("attributes", Map.of("k", "v".repeat(1025)))).patch(path).then().statusCode(400);
        as(alice).body("{\"userIds\":[\"ok\",null]}").post(path + "/members").then().statusCode(400)
                .body("error.code", equalTo("INVALID_REQUEST"));
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i <= 500; i++) {
            tooMany.add("u" + i);
        }
        as(alice).body(Map.of("userIds", tooMany)).post(path + "/members").then().statusCode(400);
        as(alice).body(Map.of("userIds", List.of("bad id"))).post(path + "/members").then().statusCode(400);
        as(alice).body(Map.of()).patch(path + "/members/" + bob).then().statusCode(400);
        as(alice).body(Map.of()).post(path + "/owner").then().statusCode(400);
        as(alice).body(Map.of("userId", alice)).post(path + "/owner").then().statusCode(400);
        as(alice).get("/v1/groups/" + "x".repeat(33)).then().statusCode(400);
        as(alice).get(path).then().statusCode(200).body("notice", equalTo("")).body("attributes", equalTo(Map.of()))
                .body("members", hasSize(2));

        // a user never sends tips: they are the server's
        as(alice).body(Map.of("to", Map.of("type", "group", "id", groupId), "message",
                Map.of("type", "tips", "event", "groupDismissed", "operator", alice, "targets", List.of(bob))))
                .post("/v1/messages").then().statusCode(400).body("error.code", equalTo("INVALID_REQUEST"));
    }

    @Test
    void unchangedInfoAndRoles_writeNoTips() {
        String alice = unique("alice");
        String bob = unique("bob");
        String groupId = create(alice, bob);
        try (TopicProbe probe = reliable()) {
            as(alice).body(Map.of("name", "Team")).patch("/v1/groups/" + groupId).then().statusCode(200);
            as(alice).body(Map.of("role", "member")).patch("/v1/groups/" + groupId + "/members/" + bob).then()
                    .statusCode(200);
            as(alice).body(Map.of("name", "Renamed")).patch("/v1/groups/" + groupId).then().statusCode(200)
                    .body("name", equalTo("Renamed"));
            Envelope renamed = awaitTips(probe, groupId, "groupInfoChanged");
            // one key, one partition: a tips of the calls before would have come first
            assertThat(probe.drain()).filteredOn(r -> ("group/" + groupId).equals(r.key()))
                    .extracting(r -> JsonCodec.decode(r.value(), Envelope.class).messageId())
                    .containsExactly(renamed.messageId());
        }
    }
}
