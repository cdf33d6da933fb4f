package im.gateway.service;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;

import im.gateway.config.GatewayConfig;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Per-user rates on this node (Bucket4j token buckets; idle buckets expire): sends (every type but barrage), receipts,
 * room entries, group creation and status changes, each with its own bucket, so no request kind can be used to flood the others.
 */
@ApplicationScoped
public class RateLimiter {

    /** What is being rate limited. */
    public enum Kind {
        SEND,
        RECEIPT,
        ENTER_ROOM,
        CREATE_GROUP,
        SET_STATUS
    }

    private final Cache<String, Bucket> buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(2))
            .maximumSize(1_000_000).build();

    @Inject
    GatewayConfig config;

    /** Takes one token for the user's send bucket; false when the user is over the rate. */
    public boolean tryAcquire(String userId) {
        return tryAcquire(Kind.SEND, userId);
    }

    /** Takes one token of {@code kind} for the user; false when the user is over that rate. */
    public boolean tryAcquire(Kind kind, String userId) {
        return buckets.get(kind.ordinal() + "\n" + userId, key -> newBucket(kind)).tryConsume(1);
    }

    /** Takes one token of {@code kind} or refuses with {@code RATE_LIMITED}. */
    public void require(Kind kind, String userId) {
        if (!tryAcquire(kind, userId)) {
            throw new ProtocolException(ErrorCode.RATE_LIMITED, switch (kind) {
                case SEND -> "at most " + config.sendRatePerSecond() + " messages per second";
                case RECEIPT -> "at most " + config.limits().receiptsPerSecond() + " receipts per second";
                case ENTER_ROOM -> "at most " + config.limits().roomEntriesPerSecond() + " room entries per second";
                case CREATE_GROUP -> "at most " + config.limits().groupsPerMinute() + " new groups per minute";
                case SET_STATUS -> "at most " + config.limits().statusChangesPerMinute() + " status changes per minute";
            });
        }
    }

    private Bucket newBucket(Kind kind) {
        Bandwidth limit = switch (kind) {
            case SEND -> perSecond(config.sendRatePerSecond());
            case RECEIPT -> perSecond(config.limits().receiptsPerSecond());
            case ENTER_ROOM -> perSecond(config.limits().roomEntriesPerSecond());
            case CREATE_GROUP -> Bandwidth.builder().capacity(config.limits().groupsPerMinute())
                    .refillGreedy(config.limits().groupsPerMinute(), Duration.ofMinutes(1)).build();
            case SET_STATUS -> Bandwidth.builder().capacity(config.limits().statusChangesPerMinute())
                    .refillGreedy(config.limits().statusChangesPerMinute(), Duration.ofMinutes(1)).build();
        };
        return Bucket.builder().addLimit(limit).build();
    }

    private static Bandwidth perSecond(int rate) {
        return Bandwidth.builder().capacity(rate).refillGreedy(rate, Duration.ofSeconds(1)).build();
    }
}
