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

    /** How long a sender's clientMsgId is remembered per conversation to drop retries (the dedupe contract's window). */
    @WithDefault("24h")
    Duration dedupeWindow();

    /**
     * Records read back from a message partition's tail when this instance takes it over (restart, rebalance), to rebuild
     * prevOrderKey chains, dedupe and receipt requests.
     */
    @WithDefault("20000")
    int rebuildTailRecords();

    /**
     * How long the producer of deliveries waits to fill a batch ({@code linger.ms}): a longer wait costs Kafka fewer
     * requests per message and each delivery up to that much latency.
     */
    @WithDefault("1ms")
    Duration deliveriesLinger();

    /**
     * The deliveries producer's {@code compression.type}. A delivery batch at moderate rates holds a few small records, so
     * compressing it costs the producer, the broker (which decompresses to validate) and every gateway more CPU than the
     * bytes it saves on a local network (measured in docs/benchmarks.md); {@code lz4} or {@code zstd} where the network
     * is the limit.
     */
    @WithDefault("none")
    String deliveriesCompression();

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

    /**
     * Consumer loops per message topic in this instance, each a member of the {@code routing} group on its own thread
     * (the group spreads the topic's partitions over them; a conversation stays on one). More than one lets routing use
     * more than one core, and keeps it from being starved by busier processes on a shared machine.
     */
    @WithDefault("2")
    int loopsPerTopic();

    /** Most messages per conversation whose senders asked for receipts that routing remembers (the oldest give way). */
    @WithDefault("1000")
    int maxReceiptRequestsPerConversation();

    /**
     * How far back a user's messages are replayed to a node where the user gains a session or enters a room (the
     * session-frame guarantee holds while routing reads presence within this long of a message).
     */
    @WithDefault("30s")
    Duration replayWindow();

    /** Most recent messages kept per user, group or room for replays. */
    @WithDefault("256")
    int replayMaxPerLog();

    /** How often the dead letters im.dlq holds are counted ({@code im.dlq.records}). */
    @WithDefault("30s")
    Duration dlqDepthEvery();
}
