package im.routing.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the routing service. */
@ConfigMapping(prefix = "im.routing")
public interface RoutingConfig {

    /** A gateway node not heard from for this long is treated as dead: its sessions are no longer targeted. */
    @WithDefault("15s")
    Duration heartbeatTimeout();

    /** A dead node's entries are dropped from memory (and tombstoned) after this long. */
    @WithDefault("10m")
    Duration ghostPurgeAfter();

    /** How long a sender's clientMsgId is remembered per conversation to drop retries. */
    @WithDefault("10m")
    Duration dedupeWindow();

    /** Signal and barrage records older than this are not delivered (online only: a replay must not reach sessions). */
    @WithDefault("30s")
    Duration onlineOnlyMaxAge();

    /** Most conversations whose last orderKey (for prevOrderKey) and clientMsgIds are remembered. */
    @WithDefault("1000000")
    long maxTrackedConversations();

    /**
     * Polls of one topic whose deliveries may be on their way to Kafka at once. Routing does not wait for a poll's
     * deliveries before it takes the next (that would cap a topic at one poll per produce round trip); past this many it
     * waits. A poll's offsets are committed only once all its deliveries are written.
     */
    @WithDefault("8")
    int maxInFlightPolls();

    /** Most messages per conversation whose senders asked for receipts that routing remembers (the oldest give way). */
    @WithDefault("1000")
    int maxReceiptRequestsPerConversation();
}
