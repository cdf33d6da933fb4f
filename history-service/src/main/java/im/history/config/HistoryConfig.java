package im.history.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the history service. */
@ConfigMapping(prefix = "im.history")
public interface HistoryConfig {

    /** Messages per history page when the client names no limit. */
    @WithDefault("20")
    int defaultPageSize();

    /** Most messages (or conversations, or search hits) one request returns. */
    @WithDefault("100")
    int maxPageSize();

    /** How long after sending a message its sender may recall it (the gateway checks the same window). */
    @WithDefault("2m")
    Duration revokeWindow();

    /**
     * How long after sending a text or custom message its sender may edit it (v1.1; the gateway checks the same window,
     * {@code im.gateway.edit-window}, and history checks it again from the edit record's own time).
     */
    @WithDefault("24h")
    Duration editWindow();

    /** Routing's base URL: who entered which room is known there (the REST client routing). */
    @WithDefault("http://localhost:8081")
    String routingUrl();

    /**
     * How long a (conversation, sender, clientMsgId) is one message: a retry within it is stored once, the same
     * clientMsgId after it is a new message. The gateway and routing keep the same window.
     */
    @WithDefault("24h")
    Duration dedupeWindow();

    /** Most records stored per batch (one poll, one transaction). */
    @WithDefault("2000")
    int batchSize();

    /**
     * How long the broker may gather records for history's consumer before it answers a fetch ({@code fetch.max.wait.ms},
     * with {@code fetch.min.bytes} 1 MB): storing is not on the delivery path, so history takes fewer, larger polls —
     * fewer Kafka requests, transactions and PostgreSQL round trips per message at moderate rates — for up to this much
     * delay in storing. {@code 0ms}: every fetch is answered as soon as one record is there.
     */
    @WithDefault("50ms")
    Duration fetchWait();

    /** Longest pause between retries while PostgreSQL is unavailable; the consumer waits, it never skips. */
    @WithDefault("5s")
    Duration maxRetryBackoff();

    /** {@code im.notifications}: one record per stored message per recipient with no online session. */
    Notifications notifications();

    /** What a push-notification bridge is told, and when. */
    interface Notifications {
        /** Whether history writes {@code im.notifications} (and folds {@code im.presence} to know who is online). */
        @WithDefault("true")
        boolean enabled();

        /**
         * Groups with more members than this notify only the members a message mentions by id: a message to a large
         * group never fans out into one record per member.
         */
        @WithDefault("200")
        int maxGroupMembers();

        /**
         * Messages older than this when stored are not notified: a rebuild of the tables from Kafka, or catching up after
         * a long outage, does not push old news.
         */
        @WithDefault("10m")
        Duration maxAge();

        /**
         * A gateway node whose heartbeat is this far behind the freshest one is gone and its users offline (routing's
         * {@code heartbeat-timeout}).
         */
        @WithDefault("15s")
        Duration heartbeatTimeout();

        /** How long a batch waits for Kafka to take its notifications before it is rolled back and retried. */
        @WithDefault("30s")
        Duration produceTimeout();
    }

    /** Live conversations (v1.1 {@code conversationChanged}, {@code totalUnreadChanged}). */
    Live live();

    /** Settings of the live conversation events: best-effort notifications, the stored messages stay the truth. */
    interface Live {

        /** Whether history writes {@code conversationChanged} actions at all. */
        @WithDefault("true")
        boolean enabled();

        /**
         * The events of stored messages are computed at most this often: what the batches of one interval changed goes
         * out together, one record per conversation, with the state at its end (a user's own read or delete is not
         * held back). Under load this is what keeps the events' queries and records from competing with the messages.
         */
        @WithDefault("250ms")
        Duration minInterval();

        /**
         * Groups with more members than this get no {@code conversationChanged} for new messages and recalls (the cost
         * grows with every member); a member's own read or delete is still pushed to them. Rooms never get any.
         */
        @WithDefault("200")
        int maxGroupMembers();

        /**
         * Stored batches whose events wait to be computed; past it, a batch's events are dropped (counted in
         * {@code im.history.live.dropped}) rather than holding storage back: the next change sends the whole state again.
         */
        @WithDefault("64")
        int queue();
    }
}
