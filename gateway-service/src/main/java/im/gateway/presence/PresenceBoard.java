package im.gateway.presence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import im.protocol.Presence;
import im.protocol.PresenceFrames;
import im.protocol.PresenceFrames.UserPresence;

/**
 * Every user's presence as the compacted {@code im.presence} topic tells it, folded on every gateway node (so a subscriber
 * on one node sees a user connected to another): a user is online while any node holds an entry for them, offline once
 * the last entry is tombstoned (after the offline grace, or at once on logout; the tombstone's timestamp is the
 * {@code lastSeenAt}), and their custom status is the {@code status/<userId>} record. Like routing's table, entries of
 * an older epoch of a node are ghosts, and a node's tombstone (clean shutdown) or a new epoch drops its older entries.
 * Not thread-safe: one loop applies records, readers go through the synchronized methods.
 */
public final class PresenceBoard {

    private final Map<String, Long> nodeEpochs = new HashMap<>();
    /** user → node → epoch of the entry. */
    private final Map<String, Map<String, Long>> entries = new HashMap<>();
    private final Map<String, String> statuses = new HashMap<>();
    private final Map<String, Long> lastSeen = new HashMap<>();

    /**
     * Applies one checked record ({@code value} null: tombstone; {@code timestamp}: the record's time) and returns the
     * users whose visible presence (state or custom status) it changed.
     */
    public synchronized List<String> apply(String key, Presence value, long timestamp) {
        List<String> changed = new ArrayList<>();
        if (key.startsWith("node/")) {
            String nodeId = key.substring("node/".length());
            if (value == null) {
                nodeEpochs.remove(nodeId);
                dropEntriesOf(nodeId, Long.MAX_VALUE, timestamp, changed);
            } else {
                seen(nodeId, value.epoch(), value.at(), changed);
            }
        } else if (key.startsWith("user/")) {
            String rest = key.substring("user/".length());
            int slash = rest.lastIndexOf('/');
            String userId = rest.substring(0, slash);
            String nodeId = rest.substring(slash + 1);
            if (value == null) {
                remove(userId, nodeId, timestamp, changed);
            } else if (seen(nodeId, value.epoch(), value.at(), changed)) {
                boolean wasOnline = isOnline(userId);
                entries.computeIfAbsent(userId, u -> new HashMap<>()).put(nodeId, value.epoch());
                if (!wasOnline) {
                    changed.add(userId);
                }
            }
        } else if (key.startsWith("status/")) {
            String userId = key.substring("status/".length());
            String status = value == null || value.customStatus() == null || value.customStatus().isEmpty()
                    ? null
                    : value.customStatus();
            String old = status == null ? statuses.remove(userId) : statuses.put(userId, status);
            if (!Objects.equals(old, status)) {
                changed.add(userId);
            }
        }
        return changed;
    }

    /** A user's presence now. */
    public synchronized UserPresence get(String userId) {
        boolean online = isOnline(userId);
        return new UserPresence(userId, online ? PresenceFrames.ONLINE : PresenceFrames.OFFLINE,
                online ? null : lastSeen.get(userId), statuses.get(userId));
    }

    /** A user's custom status now, or null. */
    public synchronized String statusOf(String userId) {
        return statuses.get(userId);
    }

    private boolean isOnline(String userId) {
        Map<String, Long> nodes = entries.get(userId);
        return nodes != null && !nodes.isEmpty();
    }

    /** A sign of life of a node; false for a ghost of an older epoch. A newer epoch drops the node's older entries. */
    private boolean seen(String nodeId, long epoch, long at, List<String> changed) {
        Long known = nodeEpochs.get(nodeId);
        if (known != null && epoch < known) {
            return false;
        }
        if (known == null || epoch > known) {
            nodeEpochs.put(nodeId, epoch);
            dropEntriesOf(nodeId, epoch, at, changed);
        }
        return true;
    }

    /** Drops the node's entries of an epoch older than {@code before}. */
    private void dropEntriesOf(String nodeId, long before, long at, List<String> changed) {
        for (Map.Entry<String, Map<String, Long>> user : List.copyOf(entries.entrySet())) {
            Long epoch = user.getValue().get(nodeId);
            if (epoch != null && epoch < before) {
                remove(user.getKey(), nodeId, at, changed);
            }
        }
    }

    private void remove(String userId, String nodeId, long at, List<String> changed) {
        Map<String, Long> nodes = entries.get(userId);
        boolean removed = nodes != null && nodes.remove(nodeId) != null;
        if (nodes != null && nodes.isEmpty()) {
            entries.remove(userId);
        }
        if (removed && !isOnline(userId)) {
            lastSeen.merge(userId, at, Math::max);
            changed.add(userId);
        } else if (nodes == null) {
            // a tombstone of an entry already gone (or compacted away before this node read it): still a last sighting
            lastSeen.merge(userId, at, Math::max);
        }
    }
}
