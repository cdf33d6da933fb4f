package im.gateway.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionException;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;
import im.protocol.StoredMessage;

/**
 * The gateway's typed history client against a stand-in ({@link HistoryOrigin}): what history answered keeps its meaning,
 * a history that hangs or drops connections is UNAVAILABLE within the timeout, the breaker then fails calls without
 * reaching it, and the pass-through hands history's status and body on unchanged.
 */
@QuarkusTest
@QuarkusTestResource(value = HistoryOrigin.class, restrictToAnnotatedClass = true)
class HistoryLookupTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Inject
    HistoryLookup history;

    @Inject
    CircuitBreakerMaintenance breakers;

    @ConfigProperty(name = "im.gateway.history-url")
    String historyUrl;

    @BeforeEach
    void closeBreakers() {
        breakers.resetAll();
    }

    @Test
    void message_isAskedAgain_whileHistoryHasNotStoredItYet() {
        StoredMessage stored = await(history.message("late-1"));
        assertThat(stored.messageId()).isEqualTo("late-1");
        assertThat(stored.orderKey()).isEqualTo(7);
    }

    @Test
    void message_failsNotFound_whenHistoryNeverStoresIt() {
        assertThatThrownBy(() -> await(history.message("never"))).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void sent_isNull_whenHistoryHasNoFirstWrite() {
        assertThat(await(history.sent("peer/alice/bob", "alice", "c1"))).isNull();
    }

    @Test
    void sent_isUnavailable_withinItsTimeout_whenHistoryDoesNotAnswer() {
        long start = System.nanoTime();
        assertUnavailable(() -> await(history.sent("peer/alice/bob", "alice", "slow")));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void claimGroup_failsAlreadyExists_whenSomebodyElseClaimedIt() {
        assertThatThrownBy(() -> await(history.claimGroup("taken", "bob"))).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
        await(history.claimGroup("free", "bob"));
    }

    @Test
    void breaker_opens_whenHistoryKeepsDroppingConnections_andLaterCallsDoNotReachIt() throws Exception {
        int before = dropped();
        for (int i = 0; i < 10; i++) {
            assertUnavailable(() -> await(history.sent("peer/alice/bob", "alice", "drop")));
        }
        assertThat(breakers.currentState("history-sent")).isEqualTo(CircuitBreakerState.OPEN);
        int reached = dropped();
        assertThat(reached - before).isEqualTo(10);
        assertUnavailable(() -> await(history.sent("peer/alice/bob", "alice", "drop")));
        assertThat(dropped()).as("an open breaker answers without asking history").isEqualTo(reached);
    }

    @Test
    void passThrough_handsHistorysStatusAndBodyOn_andForwardsPathQueryAndToken() {
        given().urlEncodingEnabled(false).header("Authorization", "Bearer t1")
                .get("/v1/conversations/peer/bob%20b/messages?before=5&limit=2")
                .then().statusCode(200).body("method", equalTo("GET"))
                .body("path", equalTo("/v1/conversations/peer/bob%20b/messages"))
                .body("authorization", equalTo("Bearer t1"))
                .body("query", allOf(containsString("before=5"), containsString("limit=2")));
        given().contentType(ContentType.JSON).body("{\"orderKey\":3}").post("/v1/conversations/peer/bob/read")
                .then().statusCode(200).body("method", equalTo("POST")).body("body", equalTo("{\"orderKey\":3}"));
        given().get("/v1/conversations/forbidden").then().statusCode(403).body("error.code", equalTo("FORBIDDEN"));
        given().get("/v1/search?q=broken").then().statusCode(500).body("error.code", equalTo("INTERNAL"));
    }

    @Test
    void passThrough_forwardsDeletesForMe_withHistorysNoContentOrError() {
        given().urlEncodingEnabled(false).header("Authorization", "Bearer t1")
                .delete("/v1/conversations/peer/bob%20b/messages/m1").then().statusCode(204);
        given().header("Authorization", "Bearer t1").delete("/v1/conversations/group/g1/messages").then().statusCode(204);
        given().header("Authorization", "Bearer t1").delete("/v1/conversations/group/g1").then().statusCode(204);
        given().header("Authorization", "Bearer t1").delete("/v1/conversations/peer/bob/messages/gone").then()
                .statusCode(404).body("error.code", equalTo("NOT_FOUND"));
        given().delete("/v1/conversations/forbidden").then().statusCode(403).body("error.code", equalTo("FORBIDDEN"));
    }

    @Test
    void passThrough_answersUnavailable_whenHistoryDropsTheConnection() {
        given().get("/v1/search?q=drop").then().statusCode(503).body("error.code", equalTo("UNAVAILABLE"));
    }

    private static <T> T await(Uni<T> call) {
        try {
            return call.subscribeAsCompletionStage().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private static void assertUnavailable(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    }

    private int dropped() throws Exception {
        return Integer.parseInt(HTTP.send(HttpRequest.newBuilder(URI.create(historyUrl + "/stats")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }
}
