package im.protocol;

import java.util.List;
import java.util.Map;

/** Kafka topic names and their documented settings (ARCHITECTURE.md): what the local stack and operators create. */
public final class Topics {
    public static final String MESSAGES_RELIABLE = "im.messages.reliable";
    public static final String MESSAGES_SIGNAL = "im.messages.signal";
    public static final String MESSAGES_BARRAGE = "im.messages.barrage";
    public static final String DELIVERIES = "im.deliveries";
    public static final String PRESENCE = "im.presence";
    public static final String MEMBERSHIP = "im.membership";
    public static final String BROADCAST = "im.broadcast";
    public static final String DLQ = "im.dlq";
    /** One record per stored upload (key = mediaId), for scanning and audit hooks. */
    public static final String MEDIA = "im.media";
    /**
     * One record per stored message per recipient with no online session (key = userId), for push-notification bridges
     * (FCM/APNs). Written by history-service (schema {@code notification.v1.json}).
     */
    public static final String NOTIFICATIONS = "im.notifications";

    /** Default partitions of {@link #DELIVERIES}: the most gateway nodes (slots 0..n-1) a cluster can hold. */
    public static final int DEFAULT_GATEWAY_SLOTS = 16;

    private Topics() {
    }

    /**
     * A topic's settings.
     *
     * @param name topic name
     * @param partitions partition count
     * @param configs topic-level configs (retention, cleanup policy)
     */
    public record Spec(String name, int partitions, Map<String, String> configs) {}

    /** Every topic with its documented settings; partitions of the message topics scale with {@code messagePartitions}. */
    public static List<Spec> specs(int messagePartitions, int gatewaySlots) {
        String day = String.valueOf(24L * 3600 * 1000);
        String week = String.valueOf(7L * 24 * 3600 * 1000);
        String hour = String.valueOf(3600L * 1000);
        return List.of(
                new Spec(MESSAGES_RELIABLE, messagePartitions, Map.of("retention.ms", week, "min.insync.replicas", "1")),
                new Spec(MESSAGES_SIGNAL, messagePartitions, Map.of("retention.ms", day)),
                new Spec(MESSAGES_BARRAGE, messagePartitions, Map.of("retention.ms", hour)),
                new Spec(DELIVERIES, gatewaySlots, Map.of("retention.ms", hour)),
                new Spec(PRESENCE, 4, Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1",
                        "segment.ms", hour)),
                new Spec(MEMBERSHIP, 4, Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1",
                        "segment.ms", hour)),
                new Spec(BROADCAST, 1, Map.of("retention.ms", day)),
                new Spec(MEDIA, 4, Map.of("retention.ms", String.valueOf(30L * 24 * 3600 * 1000))),
                new Spec(NOTIFICATIONS, messagePartitions, Map.of("retention.ms", day)),
                new Spec(DLQ, 1, Map.of("retention.ms", String.valueOf(30L * 24 * 3600 * 1000))));
    }
}
