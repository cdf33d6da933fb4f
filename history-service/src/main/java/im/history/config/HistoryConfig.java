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

    /** Longest pause between retries while PostgreSQL is unavailable; the consumer waits, it never skips. */
    @WithDefault("5s")
    Duration maxRetryBackoff();

    /** Live conversations (v1.1 {@code conversationChanged}, {@code totalUnreadChanged}). */
    Live live();

    /** Settings of the live conversation events: best-effort notifications, the stored messages stay the truth. */
    interface Live {

        /** Whether history writes {@code conversationChanged} actions at all. */
        @WithDefault("true")
        boolean enabled();

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
