package im.protocol;

import java.util.List;

/**
 * The value of a record on the compacted {@code im.presence} topic (schema {@code presence.v1.json}). Two kinds share the
 * topic: a node heartbeat under key {@code node/<nodeId>} and a user's sessions on a node under key
 * {@code user/<userId>/<nodeId>}. A null value (tombstone) means gone.
 *
 * @param v schema version, always 1
 * @param kind {@code node} or {@code user}
 * @param nodeId the gateway node
 * @param slot the node's partition of {@code im.deliveries}
 * @param epoch the node's start time: entries of an older epoch of the same node are ghosts
 * @param userId the user (kind user)
 * @param sessions how many sessions the user holds on the node (kind user)
 * @param rooms rooms the user's sessions on the node have entered (kind user)
 * @param at when the producer wrote it, epoch milliseconds (heartbeat time for kind node)
 */
public record Presence(
        int v,
        String kind,
        String nodeId,
        int slot,
        long epoch,
        String userId,
        Integer sessions,
        List<String> rooms,
        long at) {

    public static final String KIND_NODE = "node";
    public static final String KIND_USER = "user";

    public static String nodeKey(String nodeId) {
        return "node/" + nodeId;
    }

    public static String userKey(String userId, String nodeId) {
        return "user/" + userId + "/" + nodeId;
    }
}
