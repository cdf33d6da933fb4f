package im.history.service;

import java.time.temporal.ChronoUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import im.history.client.RoutingClient;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Who is in a room right now, asked of routing (which folds presence), for room history access. The lookup has a timeout,
 * two quick retries (a GET) and a circuit breaker, so while routing is down room reads answer UNAVAILABLE at once
 * instead of each holding a worker thread for a timeout.
 */
@ApplicationScoped
public class RoomPresence {

    @RestClient
    RoutingClient routing;

    /** Whether {@code userId} has entered {@code roomId} on any gateway node; fails UNAVAILABLE when routing cannot say. */
    @Timeout(value = 3, unit = ChronoUnit.SECONDS)
    @Retry(maxRetries = 2, delay = 100, jitter = 20, abortOn = CircuitBreakerOpenException.class)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 5_000)
    @Fallback(fallbackMethod = "unknown")
    public boolean hasEntered(String userId, String roomId) {
        RoutingClient.UserPresence presence = routing.presence(userId);
        return presence.nodes() != null && presence.nodes().stream()
                .anyMatch(node -> node.rooms() != null && node.rooms().contains(roomId));
    }

    boolean unknown(String userId, String roomId) {
        throw new ProtocolException(ErrorCode.UNAVAILABLE, "room membership is unknown right now");
    }
}
