package im.gateway.service;

import java.time.temporal.ChronoUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;

import im.edge.ErrorMappers;
import im.gateway.client.HistoryApiClient;
import im.gateway.client.HistoryClient;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;
import im.protocol.StoredMessage;

/**
 * history-service as the gateway asks it (typed clients, port kept off the public network): the stored message behind an
 * id, the first write of a retried clientMsgId, group id claims, and the pass-through of the app API. Every call has a
 * timeout and a circuit breaker (named {@code history-message}, {@code history-sent}, {@code history-claim},
 * {@code history-api}): while history is down or hangs, calls fail at once instead of each waiting out its timeout. What history answered (404, 409) keeps its meaning; unreachable, 5xx, timed out or an
 * open circuit is UNAVAILABLE, as a fallback, so callers only ever see catalogued errors.
 */
@ApplicationScoped
public class HistoryLookup {
    /** Calls (in a rolling window) the breaker judges; it opens when half of them failed. */
    private static final int BREAKER_WINDOW = 10;
    /** How long an open breaker refuses calls before it lets one through to probe. */
    private static final long BREAKER_DELAY_MS = 5_000;

    @RestClient
    HistoryClient history;

    @RestClient
    HistoryApiClient api;

    /**
     * The message behind {@code messageId} (or an alias of it). A recall right after the send can reach the gateway
     * before the message reaches history, so a 404 is asked again (100, 200, 400, 800, 1600 ms, as are unreachable and
     * 5xx); still missing after that fails NOT_FOUND.
     */
    @Timeout(value = 2, unit = ChronoUnit.SECONDS)
    @Retry(maxRetries = 5, delay = 100, jitter = 20, maxDuration = 8, durationUnit = ChronoUnit.SECONDS, abortOn = CircuitBreakerOpenException.class)
    @ExponentialBackoff(factor = 2, maxDelay = 1600)
    @CircuitBreaker(requestVolumeThreshold = BREAKER_WINDOW, failureRatio = 0.5, delay = BREAKER_DELAY_MS, skipOn = ProtocolException.class)
    @CircuitBreakerName("history-message")
    @Fallback(fallbackMethod = "messageUnavailable", skipOn = ProtocolException.class)
    public Uni<StoredMessage> message(String messageId) {
        return history.message(messageId).onFailure().transform(HistoryLookup::answered);
    }

    /**
     * Like {@link #message(String)} (asked again the same way), with the reactions {@code userId} gave the message: what
     * a {@code react} is checked against (v1.1).
     */
    @Timeout(value = 2, unit = ChronoUnit.SECONDS)
    @Retry(maxRetries = 5, delay = 100, jitter = 20, maxDuration = 8, durationUnit = ChronoUnit.SECONDS, abortOn = CircuitBreakerOpenException.class)
    @ExponentialBackoff(factor = 2, maxDelay = 1600)
    @CircuitBreaker(requestVolumeThreshold = BREAKER_WINDOW, failureRatio = 0.5, delay = BREAKER_DELAY_MS, skipOn = ProtocolException.class)
    @CircuitBreakerName("history-reaction-target")
    @Fallback(fallbackMethod = "reactionTargetUnavailable", skipOn = ProtocolException.class)
    public Uni<StoredMessage> reactionTarget(String messageId, String userId) {
        return history.message(messageId, userId).onFailure().transform(HistoryLookup::answered);
    }

    /**
     * The first stored write of this clientMsgId within the dedupe window; null when there is none. Not retried: it is a
     * check on the send path, and a send whose check failed is written anew (history stores it once all the same).
     */
    @Timeout(value = 2, unit = ChronoUnit.SECONDS)
    @CircuitBreaker(requestVolumeThreshold = BREAKER_WINDOW, failureRatio = 0.5, delay = BREAKER_DELAY_MS, skipOn = ProtocolException.class)
    @CircuitBreakerName("history-sent")
    @Fallback(fallbackMethod = "sentUnavailable", skipOn = ProtocolException.class)
    public Uni<StoredMessage> sent(String conversationKey, String senderId, String clientMsgId) {
        return history.sent(conversationKey, senderId, clientMsgId).onFailure(HistoryLookup::isNotFound).recoverWithNull()
                .onFailure().transform(HistoryLookup::answered);
    }

    /**
     * Claims {@code groupId} for {@code ownerId}: completes when it is theirs, fails ALREADY_EXISTS when it is not. A POST,
     * so not retried here: the app retries, and the same owner's claim again is granted.
     */
    @Timeout(value = 3, unit = ChronoUnit.SECONDS)
    @CircuitBreaker(requestVolumeThreshold = BREAKER_WINDOW, failureRatio = 0.5, delay = BREAKER_DELAY_MS, skipOn = ProtocolException.class)
    @CircuitBreakerName("history-claim")
    @Fallback(fallbackMethod = "claimUnavailable", skipOn = ProtocolException.class)
    public Uni<Void> claimGroup(String groupId, String ownerId) {
        return history.claimGroup(groupId, ownerId).onFailure().transform(failure -> status(failure) == 409
                ? new ProtocolException(ErrorCode.ALREADY_EXISTS, "group " + groupId + " exists")
                : answered(failure));
    }

    /**
     * An app call passed through to history: its status and body, whatever they are (history checks the token itself);
     * UNAVAILABLE only when history cannot be reached or does not answer within 10 s. Not retried: the app decides.
     */
    @Timeout(value = 10, unit = ChronoUnit.SECONDS)
    @CircuitBreaker(requestVolumeThreshold = BREAKER_WINDOW, failureRatio = 0.5, delay = BREAKER_DELAY_MS, skipOn = ProtocolException.class)
    @CircuitBreakerName("history-api")
    @Fallback(fallbackMethod = "forwardUnavailable")
    public Uni<Response> forward(String method, String path, MultivaluedMap<String, String> query, String authorization,
            String body) {
        Uni<Response> answer = switch (method) {
            case "POST" -> api.post(path, query, authorization, body == null ? "" : body);
            case "DELETE" -> api.delete(path, query, authorization);
            default -> api.get(path, query, authorization);
        };
        return answer.map(received -> {
            try {
                if (received.getStatus() == Response.Status.NO_CONTENT.getStatusCode()) {
                    return Response.noContent().build();
                }
                return Response.status(received.getStatus()).entity(received.readEntity(String.class))
                        .type("application/json").build();
            } finally {
                received.close();
            }
        });
    }

    Uni<StoredMessage> messageUnavailable(String messageId) {
        return unavailable("history is not reachable; retry");
    }

    Uni<StoredMessage> reactionTargetUnavailable(String messageId, String userId) {
        return unavailable("history is not reachable; retry");
    }

    Uni<StoredMessage> sentUnavailable(String conversationKey, String senderId, String clientMsgId) {
        return unavailable("history is not reachable; retry");
    }

    Uni<Void> claimUnavailable(String groupId, String ownerId) {
        return unavailable("groups cannot be created right now; retry");
    }

    Uni<Response> forwardUnavailable(String method, String path, MultivaluedMap<String, String> query,
            String authorization, String body) {
        return Uni.createFrom().item(ErrorMappers.answer(ErrorCode.UNAVAILABLE, "history is not reachable; retry"));
    }

    private static <T> Uni<T> unavailable(String message) {
        return Uni.createFrom().failure(new ProtocolException(ErrorCode.UNAVAILABLE, message));
    }

    /**
     * What history answered, as an error code: 404 is NOT_FOUND, another 4xx a refusal (UNAVAILABLE, as before: the
     * gateway asked something history would not answer); 5xx and transport failures stay as they are, so the breaker
     * counts them and the fallback answers UNAVAILABLE.
     */
    static Throwable answered(Throwable failure) {
        int status = status(failure);
        if (status == 404) {
            return new ProtocolException(ErrorCode.NOT_FOUND, "no such message");
        }
        if (status >= 400 && status < 500) {
            return new ProtocolException(ErrorCode.UNAVAILABLE, "history refused the lookup (" + status + ")");
        }
        return failure;
    }

    private static boolean isNotFound(Throwable failure) {
        return status(failure) == 404;
    }

    private static int status(Throwable failure) {
        return failure instanceof WebApplicationException e && e.getResponse() != null ? e.getResponse().getStatus() : 0;
    }
}
