package im.gateway.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of one gateway node. */
@ConfigMapping(prefix = "im.gateway")
public interface GatewayConfig {

    /** This node's id, unique among the gateway nodes of a cluster. */
    @WithDefault("gw-0")
    String nodeId();

    /** This node's partition of im.deliveries (0 to partitions-1), unique among live nodes. */
    @WithDefault("0")
    int nodeSlot();

    /** How often the node tells routing it is alive. */
    @WithDefault("5s")
    Duration heartbeatInterval();

    /**
     * How long a user whose last session on this node ended without {@code logout} (closed, dropped, expired) stays
     * online before presence says offline (ZIM's behaviour): an app that reconnects within it never looks offline.
     * {@code logout}, a kick and the node's shutdown take the user offline at once. 0 turns the grace off.
     */
    @WithDefault("30s")
    Duration offlineGrace();

    /**
     * How long another gateway node may be silent (no heartbeat) while other nodes beat before the users it holds count
     * as offline in presence pushes (it crashed; routing's {@code heartbeat-timeout} is the same idea, and routing later
     * tombstones its entries).
     */
    @WithDefault("15s")
    Duration presenceNodeTimeout();

    /**
     * Sessions one user may hold on this node (v1.1 {@code max-sessions-per-user}): a login past it ends the user's
     * oldest session here with {@code closing: KICKED} (4409).
     */
    @WithDefault("10")
    int maxSessionsPerUser();

    /** How long before a token's expiry the session gets tokenWillExpire. */
    @WithDefault("30s")
    Duration tokenExpiryWarning();

    /** Messages per second one user may send through this node, for every type but barrage. */
    @WithDefault("10")
    int sendRatePerSecond();

    /** Frames queued for one session before it sheds low priority or is closed as a slow consumer. */
    @WithDefault("1000")
    int outboundQueueSize();

    /**
     * How long a (conversation, sender, clientMsgId) is one message: a retry within it is answered with the first ack
     * (this node remembers its own sends that long, history and routing keep the same window).
     */
    @WithDefault("24h")
    Duration dedupeWindow();

    /**
     * Most sends this node remembers for {@link #dedupeWindow()} (heap is bounded; past it a retry on the same session is
     * written again, and history still stores it once).
     */
    @WithDefault("200000")
    long dedupeMemory();

    /**
     * Sends with a clientMsgId over REST, and in a session's first moments (where a client resends what it sent before it
     * reconnected), are checked against history when this node does not know them: a retry of a write made through
     * another node, or before a restart, gets the first ack.
     */
    @WithDefault("10s")
    Duration retryCheckWindow();

    /**
     * How many sends with a clientMsgId of one session are checked against history in its first
     * {@link #retryCheckWindow()} (an SDK resends its outbox first; later sends are new).
     */
    @WithDefault("64")
    int retryCheckSends();

    /**
     * Most retry checks this node has in flight at once; a send past it is written without the check (history still stores
     * a retry once and keeps its second id as an alias), so a busy history never holds back sends.
     */
    @WithDefault("256")
    int retryChecksInFlight();

    /** How long to wait for Kafka to acknowledge a write before answering UNAVAILABLE. */
    @WithDefault("10s")
    Duration produceTimeout();

    /** Most members in one group create or add request. */
    @WithDefault("500")
    int groupRequestMaxMembers();

    /** Limits of a group's info and size (PATCH /v1/groups/{id}, adding members), within the contract's caps. */
    Groups groups();

    /** How long after sending a message its sender may recall it. */
    @WithDefault("2m")
    Duration revokeWindow();

    /**
     * How long after sending a text or custom message its sender may edit it (v1.1 {@code edit}); past it the edit is
     * refused with EDIT_WINDOW_PASSED. history checks the same window ({@code im.history.edit-window}).
     */
    @WithDefault("24h")
    Duration editWindow();

    /** history-service's base URL: its API is reachable through the gateway (the REST clients history, history-api). */
    @WithDefault("http://localhost:8082")
    String historyUrl();

    /** media-service's base URL: uploads and downloads pass through, media messages are checked against it (client media). */
    @WithDefault("http://localhost:8083")
    String mediaUrl();

    /** How long an upload or download passing through may stall before the connection to media-service is dropped. */
    @WithDefault("60s")
    Duration mediaIdleTimeout();

    /** Directory of the built demo web app (clients/js), served at /demo/; unset (production): no demo. */
    Optional<String> demoDir();

    /**
     * How long this node remembers which messages it pushed, to tell which sessions a replay (a message routed again for
     * sessions that appeared after it was first routed) is for. As long as routing's replay window.
     */
    @WithDefault("30s")
    Duration replayWindow();

    /** Most messages remembered for {@link #replayWindow()}; past it, a replay may reach a session twice. */
    @WithDefault("500000")
    long replayMemory();

    /** Admission past saturation: which sends are refused, by class, as the pipeline falls behind. */
    Overload overload();

    /**
     * Past saturation, sends are refused {@code UNAVAILABLE} by class — barrage and low first, high last — from the
     * pipeline delay this node sees (how old users' messages are when their deliveries reach it). Each class is refused
     * with odds rising from 0 at its delay to 1 at the next class's (high: at twice its own), so the ladder does not
     * overlap: no high-priority send is refused while a low one is let in.
     */
    interface Overload {
        /** Whether sends are ever refused for load. */
        @WithDefault("true")
        boolean enabled();

        /** Pipeline delay from which barrage and low-priority sends are refused (all of them at {@link #shedMediumAt()}). */
        @WithDefault("300ms")
        Duration shedLowAt();

        /** Pipeline delay from which medium-priority sends are refused (all of them at {@link #shedHighAt()}). */
        @WithDefault("450ms")
        Duration shedMediumAt();

        /** Pipeline delay from which high-priority sends are refused (all of them at twice it). */
        @WithDefault("600ms")
        Duration shedHighAt();

        /**
         * Deliveries of users' messages a 100 ms window needs before its delay counts: below it (a quiet node), no send is
         * refused for load, however slow a message was.
         */
        @WithDefault("20")
        int minSamples();

        /**
         * History's backlog on {@code im.messages.reliable}, as the time history needs to store it at the rate it is
         * storing, from which low-priority reliable sends are refused (all of them at twice it; medium-priority ones from
         * twice to three times it; high-priority ones, barrage and signaling never): a stack that delivers faster than
         * history stores settles at what history stores. A stopped history does not count. 0 turns it off.
         */
        @WithDefault("5s")
        Duration storageLag();

        /** The consumer group whose committed offsets on {@code im.messages.reliable} are history's progress. */
        @WithDefault("history")
        String storageGroup();

        /** A backlog of fewer records than this never counts, however slowly history stores. */
        @WithDefault("1000")
        long storageMinBacklog();
    }

    /** The dev-only token endpoint. */
    DevTokens devTokens();

    /** Bounds on what one user or session may ask of this node. */
    Limits limits();

    /** Per-user rates and per-session bounds besides the send rate (Bucket4j buckets, per node). */
    interface Limits {
        /** Receipts one user may send per second. */
        @WithDefault("20")
        int receiptsPerSecond();

        /** Rooms one user may enter per second. */
        @WithDefault("5")
        int roomEntriesPerSecond();

        /** Groups one user may create per minute. */
        @WithDefault("10")
        int groupsPerMinute();

        /** Rooms one session may have entered at once. */
        @WithDefault("50")
        int roomsPerSession();

        /**
         * Users one session may watch the presence of at once, across its subscribePresence calls (v1.1); a subscription
         * past it is refused INVALID_REQUEST.
         */
        @WithDefault("1000")
        int presenceSubscriptionsPerSession();

        /** Custom status changes (setStatus) one user may make per minute: each is a record every gateway node reads. */
        @WithDefault("30")
        int statusChangesPerMinute();
    }

    /**
     * What a group may hold. Each is at most the contract's cap that every reader of im.membership enforces
     * ({@code im.protocol.Limits}: notice 16 KiB, avatar URL 2 KiB, 100 attributes of 256 B keys and 4 KiB values, a
     * tips message's 10,000 targets, which bounds a group: its dismissal names every member).
     */
    interface Groups {
        /** Longest notice, in UTF-8 bytes. */
        @WithDefault("1024")
        int noticeMaxBytes();

        /** Longest avatar URL, in UTF-8 bytes. */
        @WithDefault("1024")
        int avatarUrlMaxBytes();

        /** Most attributes one group holds. */
        @WithDefault("20")
        int attributesMax();

        /** Longest attribute key, in UTF-8 bytes. */
        @WithDefault("64")
        int attributeKeyMaxBytes();

        /** Longest attribute value, in UTF-8 bytes. */
        @WithDefault("1024")
        int attributeValueMaxBytes();

        /** Most members one group holds (adding past it is INVALID_REQUEST). */
        @WithDefault("5000")
        int maxMembers();
    }

    /** POST /v1/auth/token: signs tokens for anybody, so it is for local development only. */
    interface DevTokens {
        /** Whether the endpoint answers; off unless a local profile turns it on. */
        @WithDefault("false")
        boolean enabled();

        /** Lifetime of the tokens it signs. */
        @WithDefault("24h")
        Duration lifetime();
    }

    /** The {@code /v1/media} pass-through: who may upload, how slow a body may be, connections to media-service. */
    Media media();

    /** Uploads and downloads passing through to media-service. */
    interface Media {
        /** Connections to media-service for downloads; uploads have their own, so slow uploads never hold these. */
        @WithDefault("64")
        int downloadConnections();

        /** Uploads this node passes to media-service at once (its upload connections); one more is refused UNAVAILABLE. */
        @WithDefault("32")
        int maxConcurrentUploads();

        /** Uploads one user may have passing through this node at once; one more is refused RATE_LIMITED. */
        @WithDefault("4")
        int maxConcurrentUploadsPerUser();

        /** Least bytes per second an upload body must deliver over each rate window; slower or stalled ones are cut off. */
        @WithDefault("2048")
        int uploadMinBytesPerSecond();

        /** Window over which an upload's rate is measured (a stalled body is cut off within two of them). */
        @WithDefault("10s")
        Duration uploadRateWindow();

        /** How long the rest of a refused upload's body is read and dropped after the answer before the connection closes. */
        @WithDefault("2s")
        Duration refusalLinger();
    }
}
