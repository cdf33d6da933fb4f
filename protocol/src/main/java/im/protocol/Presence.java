package im.protocol;

import java.util.List;

/**
 * The value of a record on the compacted {@code im.presence} topic (schema {@code presence.v1.json}). Three kinds share
 * the topic: a node heartbeat under key {@code node/<nodeId>}, a user's sessions on a node under key
 * {@code user/<userId>/<nodeId>}, and a user's custom status (v1.1 {@code setStatus}) under key {@code status/<userId>},
 * written by the node the user set it through. A null value (tombstone) means gone (for a status: cleared).
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
 * @param customStatus the user's custom status (kind status; absent in the other kinds and in records of v1.0 writers)
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
        long at,
        String customStatus) {

    public static final String KIND_NODE = "node";
    public static final String KIND_USER = "user";
    /** A user's custom status (v1.1), under {@link #statusKey}. */
    public static final String KIND_STATUS = "status";

    /** A node heartbeat or a user's sessions on a node: no custom status. */
    public Presence(int v, String kind, String nodeId, int slot, long epoch, String userId, Integer sessions,
            List<String> rooms, long at) {
        this(v, kind, nodeId, slot, epoch, userId, sessions, rooms, at, null);
    }

    /** A user's custom status, written through node {@code nodeId}. */
    public static Presence status(String nodeId, int slot, long epoch, String userId, String customStatus, long at) {
        return new Presence(1, KIND_STATUS, nodeId, slot, epoch, userId, null, null, at, customStatus);
    }

    public static String nodeKey(String nodeId) {
        return "node/" + nodeId;
    }

    public static String userKey(String userId, String nodeId) {
        return "user/" + userId + "/" + nodeId;
    }

    public static String statusKey(String userId) {
        return "status/" + userId;
    }
}
