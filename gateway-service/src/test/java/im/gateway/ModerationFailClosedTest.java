package im.gateway;

import static im.gateway.GatewayTestSupport.uniqueUser;
import static im.gateway.ModerationTest.post;
import static im.gateway.ModerationTest.text;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import im.testkit.ModerationHookStub;

/** A fail-closed hook: when it times out or fails, the send is refused UNAVAILABLE (retryable), not let through. */
@QuarkusTest
@TestProfile(ModerationFailClosedTest.FailClosed.class)
class ModerationFailClosedTest {

    /** The hook only (no word list), a 3 s timeout, fail-closed. */
    public static class FailClosed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("im.moderation.hook.timeout-ms", "3000", "im.moderation.hook.fail-closed", "true");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ModerationHookStub.class));
        }
    }

    @Test
    void hookThatTimesOutOrFails_refusesTheMessage_whenFailClosed() {
        String alice = uniqueUser("alice");
        post(alice, text("the hook-sleeps now")).statusCode(503).body("error.code", equalTo("UNAVAILABLE"));
        post(alice, text("the hook-breaks now")).statusCode(503).body("error.code", equalTo("UNAVAILABLE"));
        post(alice, text("the hook-refuses this")).statusCode(422).body("error.code", equalTo("CONTENT_REJECTED"));
        post(alice, text("forbidden is not listed here")).statusCode(200).body("status", equalTo("success"));
    }
}
