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
}
