package im.media;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.ModerationHookStub;
import im.testkit.TopicProbe;

/**
 * Uploads pass the content check (PROTOCOL v1.1 moderation): a file name holding a listed word is refused
 * CONTENT_REJECTED before the body is stored, and the hook judges the upload's metadata. Real broker and PostgreSQL.
 */
@QuarkusTest
@TestProfile(MediaModerationTest.WordsAndHook.class)
class MediaModerationTest {

    /** One listed word and the hook stub. */
    public static class WordsAndHook implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("im.moderation.words", "forbidden", "im.moderation.hook.timeout-ms", "3000");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ModerationHookStub.class));
        }
    }

    @ConfigProperty(name = "im.moderation.hook.url")
    String hookUrl;

    private static String user() {
        return "mod-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void upload_isRefused_whenItsFileNameHoldsAListedWord_andNothingIsStored() {
        String user = user();
        byte[] png = Fixtures.image("png", 16, 16, false);
        try (TopicProbe media = TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.MEDIA)) {
            Api.upload(user, "image", "FORBIDDEN report.png", "image/png", png).then().statusCode(422)
                    .body("error.code", equalTo("CONTENT_REJECTED"));
            Api.stored(user, "image", "holiday.png", png);
            media.await(r -> r.value().contains("holiday.png"));
            assertThat(media.drain()).noneMatch(r -> r.value().contains(user) && !r.value().contains("holiday.png"));
        }
    }

    @Test
    void upload_isJudgedByTheHook_onItsMetadata() {
        String user = user();
        byte[] png = Fixtures.image("png", 16, 16, false);
        Api.upload(user, "image", ModerationHookStub.REFUSE + ".png", "image/png", png).then().statusCode(422)
                .body("error.code", equalTo("CONTENT_REJECTED"))
                .body("error.message", containsString(ModerationHookStub.REASON));
        String seen = given().get(hookUrl.replace("/check", "/seen")).then().statusCode(200).extract().asString();
        assertThat(seen.lines().filter(line -> line.contains(user)).toList()).anySatisfy(line -> assertThat(line).contains(
                "\"kind\":\"upload\"", "\"type\":\"image\"", "\"fileName\":\"hook-refuses.png\"",
                "\"mimeType\":\"image/png\"", "\"fileSize\":" + png.length));
        // a hook that fails lets the upload through (fail-open, the default)
        Api.stored(user, "image", ModerationHookStub.BREAK + ".png", png);
    }
}
