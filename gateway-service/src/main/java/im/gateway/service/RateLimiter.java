package im.gateway.service;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;

import im.gateway.config.GatewayConfig;

/** Per-user send rate on this node (Bucket4j token buckets; idle buckets expire). */
@ApplicationScoped
public class RateLimiter {
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(2)).build();

    @Inject
    GatewayConfig config;

    /** Takes one token for the user; false when the user is over the rate. */
    public boolean tryAcquire(String userId) {
        return buckets.get(userId, u -> newBucket()).tryConsume(1);
    }

    private Bucket newBucket() {
        int rate = config.sendRatePerSecond();
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(rate).refillGreedy(rate, Duration.ofSeconds(1)).build())
                .build();
    }
}
