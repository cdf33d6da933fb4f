package im.gateway.session;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import im.gateway.messaging.PresencePublisher;

/**
 * The sessions of this node, indexed by id, user and room. Every change of a user's sessions or rooms is published to
 * {@code im.presence}, so routing knows where to deliver.
 */
@ApplicationScoped
public class SessionRegistry {
    private final Map<String, Session> byId = new ConcurrentHashMap<>();
    private final Map<String, Set<Session>> byUser = new ConcurrentHashMap<>();
    private final Map<String, Set<Session>> byRoom = new ConcurrentHashMap<>();

    @Inject
    PresencePublisher presence;

    @Inject
    io.vertx.core.Vertx vertx;

    public synchronized void add(Session session) {
        byId.put(session.id(), session);
        byUser.computeIfAbsent(session.userId(), u -> ConcurrentHashMap.newKeySet()).add(session);
        publish(session.userId());
    }

    /** Removes a session and its room entries; false when it was not registered (closed twice). */
    public synchronized boolean remove(Session session) {
        if (byId.remove(session.id()) == null) {
            return false;
        }
        for (String room : session.rooms()) {
            removeFrom(byRoom, room, session);
        }
        removeFrom(byUser, session.userId(), session);
        session.outbox().close();
        cancelTimers(session);
        publish(session.userId());
        return true;
    }

    public synchronized void enterRoom(Session session, String roomId) {
        if (byId.get(session.id()) != session) {
            return; // closed meanwhile: a dead session must not stay in a room
        }
        if (session.rooms().add(roomId)) {
            byRoom.computeIfAbsent(roomId, r -> ConcurrentHashMap.newKeySet()).add(session);
            publish(session.userId());
        }
    }

    public synchronized void leaveRoom(Session session, String roomId) {
        if (byId.get(session.id()) == session && session.rooms().remove(roomId)) {
            removeFrom(byRoom, roomId, session);
            publish(session.userId());
        }
    }

    public Session byId(String sessionId) {
        return sessionId == null ? null : byId.get(sessionId);
    }

    public Set<Session> ofUser(String userId) {
        return byUser.getOrDefault(userId, Set.of());
    }

    public Set<Session> inRoom(String roomId) {
        return byRoom.getOrDefault(roomId, Set.of());
    }

    public Collection<Session> all() {
        return byId.values();
    }

    public int size() {
        return byId.size();
    }

    /** Whether any of the user's sessions on this node entered the room. */
    public boolean hasEntered(String userId, String roomId) {
        return ofUser(userId).stream().anyMatch(s -> s.rooms().contains(roomId));
    }

    /** Users with at least one session on this node. */
    public Set<String> users() {
        return byUser.keySet();
    }

    /** Cancels the session's token timers, wherever the session is closed from. */
    public void cancelTimers(Session session) {
        if (session.warnTimer() >= 0) {
            vertx.cancelTimer(session.warnTimer());
        }
        if (session.expiryTimer() >= 0) {
            vertx.cancelTimer(session.expiryTimer());
        }
    }

    /** Publishes every local user's presence again, so routing never forgets a live user (see heartbeat). */
    public void republishAll() {
        for (String userId : List.copyOf(byUser.keySet())) {
            synchronized (this) {
                publish(userId);
            }
        }
    }

    private void publish(String userId) {
        Set<Session> sessions = ofUser(userId);
        TreeSet<String> rooms = new TreeSet<>();
        sessions.forEach(s -> rooms.addAll(s.rooms()));
        presence.publishUser(userId, sessions.size(), List.copyOf(rooms));
    }

    private static void removeFrom(Map<String, Set<Session>> index, String key, Session session) {
        index.computeIfPresent(key, (k, set) -> {
            set.remove(session);
            return set.isEmpty() ? null : set;
        });
    }
}
