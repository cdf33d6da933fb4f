package im.gateway;

import static im.gateway.GatewayTestSupport.uniqueUser;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URL;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

import im.protocol.ConversationType;
import im.protocol.ServerFrames.Ack;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.ModerationHookStub;
import im.testkit.Tokens;
import im.testkit.TopicProbe;
import im.testkit.WsClient;

/**
 * The content check at the send path (PROTOCOL v1.1 moderation) against the real broker and a real HTTP hook
 * ({@link ModerationHookStub}): listed words refused as CONTENT_REJECTED in every checked field, the hook's refusal with
 * its reason, and a hook that times out or fails letting messages through (fail-open, the default).
 */
@QuarkusTest
@TestProfile(ModerationTest.WordsAndHook.class)
class ModerationTest {

    /** Two listed words, the hook on a free port with a 3 s timeout, fail-open. */
    public static class WordsAndHook implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("im.moderation.words", "forbidden,bad phrase", "im.moderation.hook.timeout-ms", "3000");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ModerationHookStub.class));
        }
    }

    @TestHTTPResource("/")
    URL url;

    @ConfigProperty(name = "im.moderation.hook.url")
    String hookUrl;

    static ValidatableResponse post(String user, Map<String, Object> message) {
        return given().auth().oauth2(Tokens.user(user)).contentType(ContentType.JSON)
                .body(Map.of("to", Map.of("type", "peer", "id", "bob"), "message", message)).post("/v1/messages").then();
    }

    static Map<String, Object> text(String text) {
        return Map.of("type", "text", "text", text);
    }

    @Test
    void send_isRefusedContentRejected_whenATextHoldsAListedWord_inAnyDisguise() {
        String alice = uniqueUser("alice");
        post(alice, text("this is Forbidden!")).statusCode(422).body("error.code", equalTo("CONTENT_REJECTED"));
        post(alice, text("ｆｏｒｂｉｄｄｅｎ")).statusCode(422).body("error.code", equalTo("CONTENT_REJECTED"));
        post(alice, text("for\u200Bbidden")).statusCode(422).body("error.code", equalTo("CONTENT_REJECTED"));
        post(alice, text("a BAD   phrase".replace("   ", " "))).statusCode(422);
        // whole words only: a longer word holding a listed one passes
        post(alice, text("forbiddenness is a word")).statusCode(200).body("status", equalTo("success"));
    }

    @Test
    void send_isRefused_forCustomMediaAndCombineMessages_inEveryCheckedField() {
        String alice = uniqueUser("alice");
        post(alice, Map.of("type", "custom", "subType", 1, "text", "{}", "searchedContent", "forbidden"))
                .statusCode(422).body("error.code", equalTo("CONTENT_REJECTED"));
        post(alice, Map.of("type", "custom", "subType", 1, "text", "forbidden")).statusCode(422);
        post(alice, Map.of("type", "file", "fileDownloadUrl", "https://files.example/x", "fileName", "forbidden.pdf"))
                .statusCode(422).body("error.code", equalTo("CONTENT_REJECTED"));
        post(alice, Map.of("type", "combine", "title", "chat", "messages", List.of(text("fine"), text("forbidden"))))
                .statusCode(422).body("error.code", equalTo("CONTENT_REJECTED"));
        post(alice, Map.of("type", "combine", "title", "forbidden", "messages", List.of(text("fine")))).statusCode(422);
        // a location is not a checked type; the same clean messages pass
        post(alice, Map.of("type", "location", "latitude", 1.0, "longitude", 2.0, "address", "forbidden street"))
                .statusCode(200);
        post(alice, Map.of("type", "file", "fileDownloadUrl", "https://files.example/x", "fileName", "report.pdf"))
                .statusCode(200);
    }

    @Test
    void send_overWebSocket_isRefused_andNothingIsWritten() {
        String alice = uniqueUser("alice");
        String bob = uniqueUser("bob");
        try (TopicProbe probe = TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.MESSAGES_RELIABLE);
                WsClient ws = WsClient.connect(url.toString(), Tokens.user(alice))) {
            Ack refused = ws.request(GatewayTestSupport.sendText(ConversationType.PEER, bob, "so forbidden", "m1"));
            Ack sent = ws.request(GatewayTestSupport.sendText(ConversationType.PEER, bob, "after it", "m2"));

            assertThat(refused.isSuccess()).isFalse();
            assertThat(refused.error().code()).isEqualTo("CONTENT_REJECTED");
            assertThat(sent.isSuccess()).isTrue();
            probe.await(r -> r.value().contains(sent.messageId()));
            assertThat(probe.drain()).noneMatch(r -> r.value().contains("so forbidden"));
        }
    }

    @Test
    void hook_refusesWithItsReason_andSeesTheMessageAsJson() {
        String alice = uniqueUser("alice");
        post(alice, text("the hook-refuses this")).statusCode(422).body("error.code", equalTo("CONTENT_REJECTED"))
                .body("error.message", containsString("refused by the hook"));
        String seen = RestAssured.get(hookUrl.replace("/check", "/seen")).then().statusCode(200).extract().asString();
        assertThat(seen.lines().filter(line -> line.contains(alice)).toList()).anySatisfy(line -> assertThat(line)
                .contains("\"kind\":\"message\"", "\"userId\":\"" + alice + "\"", "\"text\":\"the hook-refuses this\"",
                        "\"to\":{\"type\":\"peer\",\"id\":\"bob\"}"));
        // a listed word is refused before the hook is asked
        post(alice, text("forbidden and hook-refuses")).statusCode(422);
        String after = RestAssured.get(hookUrl.replace("/check", "/seen")).then().extract().asString();
        assertThat(after).doesNotContain("forbidden and hook-refuses");
    }

    @Test
    void hookThatTimesOutOrFails_letsTheMessageThrough_whenFailOpen() {
        String alice = uniqueUser("alice");
        post(alice, text("the hook-sleeps now")).statusCode(200).body("status", equalTo("success"));
        post(alice, text("the hook-breaks now")).statusCode(200).body("status", equalTo("success"));
    }
}
