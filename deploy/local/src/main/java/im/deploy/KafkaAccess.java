package im.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import im.protocol.Topics;

/**
 * Who may do what on Kafka when it runs with authentication (SASL/SCRAM-SHA-512) and ACLs, as in the compose file and
 * the Strimzi manifests: one principal per service and one for backends. Each gets the least it needs: WRITE on the
 * topics it produces to, READ on the topics it consumes (Kafka implies DESCRIBE from both) and READ on its consumer
 * group; the gateway also DESCRIBE on history's group (admission reads how far history is behind). Backends may write the three message topics and read {@code im.notifications} (a push-notification bridge, in
 * group {@value #NOTIFICATION_BRIDGE_GROUP}), and nothing more. KafkaAccessTest applies these grants to a real
 * broker and checks them; ManifestsTest checks that deploy/compose and deploy/k8s grant exactly these.
 */
public final class KafkaAccess {
    /** The mechanism every client uses. */
    public static final String MECHANISM = "SCRAM-SHA-512";

    public enum Operation {
        READ,
        WRITE,
        DESCRIBE
    }

    public enum Resource {
        TOPIC,
        GROUP
    }

    /** One ALLOW rule for a principal (a user name, without {@code User:}) on a literal resource name. */
    public record Grant(String principal, Resource resource, String name, Operation operation) {}

    /** The consumer group a push-notification bridge (run as {@code backend}) reads {@code im.notifications} in. */
    public static final String NOTIFICATION_BRIDGE_GROUP = "notification-bridge";

    private static final List<String> MESSAGE_TOPICS = List.of(Topics.MESSAGES_RELIABLE, Topics.MESSAGES_SIGNAL,
            Topics.MESSAGES_BARRAGE);

    /** Principal → topics it writes. */
    private static final Map<String, List<String>> WRITES = Map.of(
            "gateway", concat(MESSAGE_TOPICS, List.of(Topics.PRESENCE, Topics.MEMBERSHIP, Topics.DLQ)),
            "routing", List.of(Topics.DELIVERIES, Topics.DLQ),
            "history", List.of(Topics.MEDIA, Topics.NOTIFICATIONS, Topics.DLQ),
            "media", List.of(Topics.MEDIA, Topics.DLQ),
            "push", List.of(Topics.BROADCAST),
            "backend", MESSAGE_TOPICS);

    /** Principal → topics it reads. */
    private static final Map<String, List<String>> READS = Map.of(
            "gateway", List.of(Topics.DELIVERIES, Topics.PRESENCE, Topics.MEMBERSHIP, Topics.BROADCAST),
            "routing", concat(MESSAGE_TOPICS, List.of(Topics.PRESENCE, Topics.MEMBERSHIP)),
            "history", List.of(Topics.MESSAGES_RELIABLE, Topics.MEMBERSHIP, Topics.PRESENCE),
            "media", List.of(Topics.MEDIA),
            "push", List.of(),
            "backend", List.of(Topics.NOTIFICATIONS));

    /** Principal → the consumer groups it joins (the others read by partition assignment, without a group). */
    private static final Map<String, List<String>> GROUPS = Map.of("routing", List.of("routing"), "history",
            List.of("history"), "media", List.of("media-withdrawals"), "backend", List.of(NOTIFICATION_BRIDGE_GROUP));

    /**
     * Principal → the consumer groups whose committed offsets it reads (DESCRIBE): the gateway's admission reads how far
     * history is behind ({@code im.gateway.overload.storage-group}).
     */
    private static final Map<String, List<String>> DESCRIBES_GROUPS = Map.of("gateway", List.of("history"));

    /** Every principal, services first. */
    public static final List<String> PRINCIPALS = List.of("gateway", "routing", "history", "media", "push", "backend");

    private KafkaAccess() {
    }

    public static List<Grant> grants() {
        List<Grant> grants = new ArrayList<>();
        for (String principal : PRINCIPALS) {
            grants.addAll(grants(principal));
        }
        return grants;
    }

    public static List<Grant> grants(String principal) {
        List<Grant> grants = new ArrayList<>();
        for (String topic : WRITES.getOrDefault(principal, List.of())) {
            grants.add(new Grant(principal, Resource.TOPIC, topic, Operation.WRITE));
        }
        for (String topic : READS.getOrDefault(principal, List.of())) {
            grants.add(new Grant(principal, Resource.TOPIC, topic, Operation.READ));
        }
        for (String group : GROUPS.getOrDefault(principal, List.of())) {
            grants.add(new Grant(principal, Resource.GROUP, group, Operation.READ));
        }
        for (String group : DESCRIBES_GROUPS.getOrDefault(principal, List.of())) {
            grants.add(new Grant(principal, Resource.GROUP, group, Operation.DESCRIBE));
        }
        return grants;
    }

    /** Whether {@code principal} may {@code operation} on {@code topic}. */
    public static boolean allows(String principal, String topic, Operation operation) {
        return Set.copyOf(grants(principal)).contains(new Grant(principal, Resource.TOPIC, topic, operation));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
