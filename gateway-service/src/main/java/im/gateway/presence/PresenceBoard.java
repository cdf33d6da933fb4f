package im.gateway.presence;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import im.protocol.Presence;
import im.protocol.PresenceFrames;
import im.protocol.PresenceFrames.UserPresence;

/**
 * Every user's presence as the compacted {@code im.presence} topic tells it, folded on every gateway node (so a subscriber
 * on one node sees a user connected to another): a user is online while a live node holds an entry for them, offline once
 * the last entry is tombstoned (after the offline grace, or at once on logout; the tombstone's timestamp is the
 * {@code lastSeenAt}), and their custom status is the {@code status/<userId>} record. Nodes are judged like routing
 * judges them: entries of an older epoch of a node are ghosts, a node's tombstone (clean shutdown) or a new epoch drops its
 * older entries, and a node silent for longer than the timeout while other nodes beat (it crashed) holds nobody online
 * until it beats again; its last sign of life is then the {@code lastSeenAt}.
 */
public final class PresenceBoard {

    /** A node's current epoch and its latest sign of life. */
    private record NodeState(long epoch, long lastSeen) {}

    private final long nodeTimeout;
    private final Map<String, NodeState> nodes = new HashMap<>();
    /** The freshest sign of life of any node: the clock node liveness is measured against (as routing does). */
    private long latestHeartbeat;
    /** user → node → epoch of the entry. */
    private final Map<String, Map<String, Long>> entries = new HashMap<>();
    private final Map<String, String> statuses = new HashMap<>();
    private final Map<String, Long> lastSeen = new HashMap<>();

    /** @param nodeTimeout how long a node may be silent while others beat before its users count as offline (ms) */
    public PresenceBoard(long nodeTimeout) {
        this.nodeTimeout = nodeTimeout;
    }

    /**
     * Applies one checked record ({@code value} null: tombstone; {@code timestamp}: the record's time) and returns the
     * users whose visible presence (state, lastSeenAt or custom status) it changed.
     */
    public synchronized List<String> apply(String key, Presence value, long timestamp) {
        Map<String, UserPresence> before = new LinkedHashMap<>();
        if (key.startsWith("node/")) {
            String nodeId = key.substring("node/".length());
            snapshotFor(nodeId, value, before);
            if (value == null) {
                NodeState gone = nodes.remove(nodeId);
                // a clean shutdown is the users' last sighting; a purge of a node that died long ago is not
                dropEntriesOf(nodeId, Long.MAX_VALUE, gone != null && !isAlive(gone) ? gone.lastSeen() : timestamp);
            } else {
                seen(nodeId, value.epoch(), value.at(), timestamp);
            }
        } else if (key.startsWith("user/")) {
            String rest = key.substring("user/".length());
            int slash = rest.lastIndexOf('/');
            String userId = rest.substring(0, slash);
            String nodeId = rest.substring(slash + 1);
            before.put(userId, view(userId));
            if (value == null) {
                remove(userId, nodeId, timestamp);
            } else {
                snapshotFor(nodeId, value, before);
                if (seen(nodeId, value.epoch(), value.at(), timestamp)) {
                    entries.computeIfAbsent(userId, u -> new HashMap<>()).put(nodeId, value.epoch());
                }
            }
        } else if (key.startsWith("status/")) {
            String userId = key.substring("status/".length());
            before.put(userId, view(userId));
            String status = value == null || value.customStatus() == null || value.customStatus().isEmpty()
                    ? null
                    : value.customStatus();
            if (status == null) {
                statuses.remove(userId);
            } else {
                statuses.put(userId, status);
            }
        }
        return before.entrySet().stream().filter(was -> !was.getValue().equals(view(was.getKey())))
                .map(Map.Entry::getKey).toList();
    }

    /**
     * Remembers, before a record of node {@code nodeId} ({@code value} null: its tombstone) is applied, the presence of
     * every user it may change: the node's users when the node goes, restarts, revives or is new; everybody's when its
     * sign of life moves the freshest heartbeat far enough to change which nodes count as alive (a node crossing the
     * timeout is rare); nobody's for an ordinary heartbeat.
     */
    private void snapshotFor(String nodeId, Presence value, Map<String, UserPresence> before) {
        NodeState known = nodes.get(nodeId);
        if (value != null && liveChangesWith(value.at())) {
            entries.keySet().forEach(userId -> before.computeIfAbsent(userId, this::view));
        } else if (value == null || known == null || known.epoch() != value.epoch() || !isAlive(known)) {
            entries.forEach((userId, userNodes) -> {
                if (userNodes.containsKey(nodeId)) {
                    before.computeIfAbsent(userId, this::view);
                }
            });
        }
    }

    /** A user's presence now. */
    public synchronized UserPresence get(String userId) {
        return view(userId);
    }

    private UserPresence view(String userId) {
        boolean online = false;
        long deadSince = 0;
        for (Map.Entry<String, Long> entry : entries.getOrDefault(userId, Map.of()).entrySet()) {
            NodeState node = nodes.get(entry.getKey());
            if (node == null || isAlive(node)) {
                online = true;
                break;
            }
            deadSince = Math.max(deadSince, node.lastSeen());
        }
        Long seen = lastSeen.get(userId);
        if (!online && deadSince > 0) {
            seen = seen == null ? deadSince : Math.max(seen, deadSince);
        }
        return new UserPresence(userId, online ? PresenceFrames.ONLINE : PresenceFrames.OFFLINE, online ? null : seen,
                statuses.get(userId));
    }

    private boolean isAlive(NodeState node) {
        return latestHeartbeat - node.lastSeen() <= nodeTimeout;
    }

    /** Whether a sign of life at {@code at} moves the freshest heartbeat far enough to change which nodes are alive. */
    private boolean liveChangesWith(long at) {
        if (at <= latestHeartbeat) {
            return false;
        }
        for (NodeState node : nodes.values()) {
            if (isAlive(node) != (at - node.lastSeen() <= nodeTimeout)) {
                return true;
            }
        }
        return false;
    }

    /** A sign of life of a node; false for a ghost of an older epoch. A newer epoch drops the node's older entries. */
    private boolean seen(String nodeId, long epoch, long at, long timestamp) {
        NodeState known = nodes.get(nodeId);
        if (known != null && epoch < known.epoch()) {
            return false;
        }
        if (known != null && epoch > known.epoch()) {
            dropEntriesOf(nodeId, epoch, Math.max(known.lastSeen(), Math.min(at, timestamp)));
        }
        long lastSeenAt = known != null && known.epoch() == epoch ? Math.max(known.lastSeen(), at) : at;
        nodes.put(nodeId, new NodeState(epoch, lastSeenAt));
        latestHeartbeat = Math.max(latestHeartbeat, lastSeenAt);
        return true;
    }

    /** Drops the node's entries of an epoch older than {@code before}. */
    private void dropEntriesOf(String nodeId, long before, long at) {
        for (Map.Entry<String, Map<String, Long>> user : List.copyOf(entries.entrySet())) {
            Long epoch = user.getValue().get(nodeId);
            if (epoch != null && epoch < before) {
                remove(user.getKey(), nodeId, at);
            }
        }
    }

    private void remove(String userId, String nodeId, long tombstoneAt) {
        NodeState node = nodes.get(nodeId);
        // the entry of a node that died: its user was last seen when the node was, not when routing purged the entry
        long at = node != null && !isAlive(node) ? node.lastSeen() : tombstoneAt;
        Map<String, Long> userNodes = entries.get(userId);
        if (userNodes != null) {
            userNodes.remove(nodeId);
            if (userNodes.isEmpty()) {
                entries.remove(userId);
            }
        }
        if (!entries.containsKey(userId)) {
            // the last sighting, also for a tombstone of an entry this node never saw (compacted away before it read it)
            lastSeen.merge(userId, at, Math::max);
        }
    }

    /** The users with an entry on some node (for tests and diagnostics). */
    synchronized Set<String> users() {
        return Set.copyOf(entries.keySet());
    }
}
