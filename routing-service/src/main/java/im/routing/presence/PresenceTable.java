package im.routing.presence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

import im.protocol.Presence;
import im.routing.config.RoutingConfig;

/**
 * Who is connected where, folded from the compacted {@code im.presence} topic. A node's epoch is its start time: when a
 * node restarts, entries of its older epoch are ghosts and are dropped; when a node's heartbeat goes missing for
 * {@link RoutingConfig#heartbeatTimeout()} while other nodes beat, its entries are skipped, so no message is routed to
 * sessions that are gone (see {@link #isAlive}).
 */
@ApplicationScoped
public class PresenceTable {

    /** A gateway node as last heard of. */
    public record NodeState(String nodeId, int slot, long epoch, long lastSeen) {}

    /** A user's sessions on one node. */
    public record Entry(String userId, String nodeId, int slot, long epoch, int sessions, Set<String> rooms) {}

    /**
     * Fired once a user's gain on a node is applied: a new session ({@code sessions}), or rooms newly entered. Observers
     * see the table as it is after the change.
     *
     * @param userId the user
     * @param nodeId the node
     * @param slot the node's partition of im.deliveries
     * @param sessions whether the user has more sessions there than before
     * @param rooms the rooms the user's sessions there entered with this change
     */
    public record Gained(String userId, String nodeId, int slot, boolean sessions, Set<String> rooms) {}

    private final Map<String, NodeState> nodes = new ConcurrentHashMap<>();
    /** The freshest sign of life of any node: the clock node liveness is measured against. */
    private volatile long latestHeartbeat;
    private final Map<String, Map<String, Entry>> byUser = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Set<String>>> byRoom = new ConcurrentHashMap<>();

    @Inject
    RoutingConfig config;

    @Inject
    Event<Gained> gains;

    /** Applies one record of {@code im.presence}; {@code value} null is a tombstone. */
    public synchronized void apply(String key, Presence value) {
        if (key == null) {
            return;
        }
        if (key.startsWith("node/")) {
            String nodeId = key.substring("node/".length());
            if (value == null) {
                dropNode(nodeId);
            } else {
                seen(nodeId, value.slot(), value.epoch(), value.at());
            }
        } else if (key.startsWith("user/")) {
            String rest = key.substring("user/".length());
            int slash = rest.lastIndexOf('/');
            if (slash <= 0) {
                return;
            }
            String userId = rest.substring(0, slash);
            String nodeId = rest.substring(slash + 1);
            if (value == null) {
                removeEntry(userId, nodeId);
                return;
            }
            if (!seen(nodeId, value.slot(), value.epoch(), value.at())) {
                return; // a ghost of an older epoch never replaces the live entry
            }
            Entry old = byUser.getOrDefault(userId, Map.of()).get(nodeId);
            removeEntry(userId, nodeId);
            Entry entry = new Entry(userId, nodeId, value.slot(), value.epoch(),
                    value.sessions() == null ? 1 : value.sessions(),
                    value.rooms() == null ? Set.of() : Set.copyOf(value.rooms()));
            byUser.computeIfAbsent(userId, u -> new ConcurrentHashMap<>()).put(nodeId, entry);
            for (String room : entry.rooms()) {
                byRoom.computeIfAbsent(room, r -> new ConcurrentHashMap<>())
                        .computeIfAbsent(nodeId, n -> ConcurrentHashMap.newKeySet()).add(userId);
            }
            boolean moreSessions = old == null || old.epoch() != entry.epoch() || entry.sessions() > old.sessions();
            Set<String> newRooms = new HashSet<>(entry.rooms());
            if (old != null && old.epoch() == entry.epoch()) {
                newRooms.removeAll(old.rooms());
            }
            if (gains != null && (moreSessions || !newRooms.isEmpty())) {
                gains.fire(new Gained(userId, nodeId, entry.slot(), moreSessions, newRooms));
            }
        }
    }

    /** The live entries of a user, one per node. */
    public List<Entry> entriesOf(String userId) {
        Map<String, Entry> entries = byUser.get(userId);
        if (entries == null) {
            return List.of();
        }
        List<Entry> live = new ArrayList<>(entries.size());
        for (Entry entry : entries.values()) {
            if (isAlive(entry.nodeId(), entry.epoch())) {
                live.add(entry);
            }
        }
        return live;
    }

    /** The users who entered a room, by live node. */
    public Map<String, Set<String>> roomMembersByNode(String roomId) {
        Map<String, Set<String>> room = byRoom.get(roomId);
        if (room == null) {
            return Map.of();
        }
        Map<String, Set<String>> live = new HashMap<>();
        room.forEach((nodeId, users) -> {
            NodeState node = nodes.get(nodeId);
            if (node != null && isAlive(nodeId, node.epoch()) && !users.isEmpty()) {
                live.put(nodeId, users);
            }
        });
        return live;
    }

    public NodeState node(String nodeId) {
        return nodes.get(nodeId);
    }

    public Map<String, NodeState> nodes() {
        return Map.copyOf(nodes);
    }

    /**
     * Whether the node's current epoch is {@code epoch} and its heartbeat is recent — recent compared with the freshest
     * heartbeat of any node, not with this clock: when the presence stream itself went quiet (the broker was down, or
     * routing is behind on it), every node is as silent as the others and none is given up, so no message is routed to
     * nobody; a node that stopped while others beat is left out after the timeout.
     */
    public boolean isAlive(String nodeId, long epoch) {
        NodeState node = nodes.get(nodeId);
        return node != null && node.epoch() == epoch
                && latestHeartbeat - node.lastSeen() <= config.heartbeatTimeout().toMillis();
    }

    /**
     * Drops nodes that have been silent for longer than {@code after} while other nodes beat (measured like
     * {@link #isAlive}); returns the keys that are now ghosts.
     */
    public synchronized List<String> purgeSilentNodes(long after) {
        List<String> ghostKeys = new ArrayList<>();
        for (NodeState node : List.copyOf(nodes.values())) {
            if (latestHeartbeat - node.lastSeen() > after) {
                byUser.forEach((userId, entries) -> {
                    if (entries.containsKey(node.nodeId())) {
                        ghostKeys.add(Presence.userKey(userId, node.nodeId()));
                    }
                });
                dropNode(node.nodeId());
                ghostKeys.add(Presence.nodeKey(node.nodeId()));
            }
        }
        return ghostKeys;
    }

    /** Records a sign of life; false when it comes from an older epoch than the node's current one (a ghost). */
    private boolean seen(String nodeId, int slot, long epoch, long at) {
        NodeState known = nodes.get(nodeId);
        if (known != null && epoch < known.epoch()) {
            return false;
        }
        if (known != null && epoch > known.epoch()) {
            dropEntriesOf(nodeId);
        }
        long lastSeen = known != null && known.epoch() == epoch ? Math.max(known.lastSeen(), at) : at;
        nodes.put(nodeId, new NodeState(nodeId, slot, epoch, lastSeen));
        latestHeartbeat = Math.max(latestHeartbeat, lastSeen);
        return true;
    }

    private void dropNode(String nodeId) {
        nodes.remove(nodeId);
        dropEntriesOf(nodeId);
    }

    private void dropEntriesOf(String nodeId) {
        for (String userId : List.copyOf(byUser.keySet())) {
            removeEntry(userId, nodeId);
        }
    }

    private void removeEntry(String userId, String nodeId) {
        Map<String, Entry> entries = byUser.get(userId);
        if (entries == null) {
            return;
        }
        Entry old = entries.remove(nodeId);
        if (entries.isEmpty()) {
            byUser.remove(userId, entries);
        }
        if (old != null) {
            for (String room : old.rooms()) {
                Map<String, Set<String>> roomNodes = byRoom.get(room);
                if (roomNodes != null) {
                    Set<String> users = roomNodes.get(nodeId);
                    if (users != null) {
                        users.remove(userId);
                        if (users.isEmpty()) {
                            roomNodes.remove(nodeId);
                        }
                    }
                    if (roomNodes.isEmpty()) {
                        byRoom.remove(room);
                    }
                }
            }
        }
    }
}
