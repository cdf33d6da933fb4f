package im.gateway.config;

import java.time.Duration;

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

    /** How long before a token's expiry the session gets tokenWillExpire. */
    @WithDefault("30s")
    Duration tokenExpiryWarning();

    /** Messages per second one user may send through this node, for every type but barrage. */
    @WithDefault("10")
    int sendRatePerSecond();

    /** Frames queued for one session before it sheds low priority or is closed as a slow consumer. */
    @WithDefault("1000")
    int outboundQueueSize();

    /** How long a clientMsgId is remembered to answer a retry with the first ack. */
    @WithDefault("10m")
    Duration dedupeWindow();

    /** How long to wait for Kafka to acknowledge a write before answering UNAVAILABLE. */
    @WithDefault("10s")
    Duration produceTimeout();

    /** Most members in one group create or add request. */
    @WithDefault("500")
    int groupRequestMaxMembers();

    /** How long after sending a message its sender may recall it. */
    @WithDefault("2m")
    Duration revokeWindow();

    /** history-service's base URL: its API is reachable through the gateway. */
    @WithDefault("http://localhost:8082")
    String historyUrl();

    /** media-service's base URL: uploads and downloads pass through, media messages are checked against it. */
    @WithDefault("http://localhost:8083")
    String mediaUrl();

    /** How long an upload or download passing through may stall before the connection to media-service is dropped. */
    @WithDefault("60s")
    Duration mediaIdleTimeout();

    /** The dev-only token endpoint. */
    DevTokens devTokens();

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
