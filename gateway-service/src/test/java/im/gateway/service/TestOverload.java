package im.gateway.service;

import java.time.Duration;

import im.gateway.config.GatewayConfig;

/** {@code im.gateway.overload.*} at their defaults, each one settable by a test. */
final class TestOverload implements GatewayConfig.Overload {
    boolean enabled = true;
    Duration shedLowAt = Duration.ofMillis(300);
    Duration shedMediumAt = Duration.ofMillis(450);
    Duration shedHighAt = Duration.ofMillis(600);
    int minSamples = 20;
    Duration storageLag = Duration.ofSeconds(5);
    String storageGroup = "history";
    long storageMinBacklog = 1000;

    @Override
    public boolean enabled() {
        return enabled;
    }

    @Override
    public Duration shedLowAt() {
        return shedLowAt;
    }

    @Override
    public Duration shedMediumAt() {
        return shedMediumAt;
    }

    @Override
    public Duration shedHighAt() {
        return shedHighAt;
    }

    @Override
    public int minSamples() {
        return minSamples;
    }

    @Override
    public Duration storageLag() {
        return storageLag;
    }

    @Override
    public String storageGroup() {
        return storageGroup;
    }

    @Override
    public long storageMinBacklog() {
        return storageMinBacklog;
    }
}
