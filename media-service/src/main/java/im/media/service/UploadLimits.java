package im.media.service;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;

import im.edge.InFlightLimit;
import im.media.config.MediaConfig;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Per-user admission of uploads, decided from the headers before a byte of the body is read: at most
 * {@code max-concurrent-per-user} in flight and {@code per-minute} started (Bucket4j token bucket; idle buckets expire).
 * Beyond either: {@code RATE_LIMITED}.
 */
@ApplicationScoped
public class UploadLimits {

    /** An admitted upload's place; releasing it (once, from wherever the upload ends) frees it. */
    public interface Slot extends InFlightLimit.Permit {
    }

    private final InFlightLimit inFlight = new InFlightLimit();
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(2)).build();
    private final MediaConfig.Uploads config;

    UploadLimits(MediaConfig config) {
        this.config = config.uploads();
    }

    /** Admits one more upload of {@code userId}, or refuses it with {@code RATE_LIMITED}. */
    public Slot admit(String userId) {
        int max = config.maxConcurrentPerUser();
        InFlightLimit.Permit permit = inFlight.tryAcquire(userId, max);
        if (permit == null) {
            throw new ProtocolException(ErrorCode.RATE_LIMITED,
                    "at most " + max + " uploads per user may be in flight at once");
        }
        Slot slot = permit::release;
        if (!buckets.get(userId, user -> newBucket()).tryConsume(1)) {
            slot.release();
            throw new ProtocolException(ErrorCode.RATE_LIMITED,
                    "at most " + config.perMinute() + " uploads per user per minute");
        }
        return slot;
    }

    /** Uploads of {@code userId} in flight now. */
    public int inFlight(String userId) {
        return inFlight.inFlight(userId);
    }

    private Bucket newBucket() {
        int perMinute = Math.max(1, config.perMinute());
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
                .build();
    }
}
