package im.gateway.session;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

import io.vertx.core.Vertx;

import im.gateway.config.GatewayConfig;
import im.protocol.CloseCode;

/**
 * The sessions of this node, indexed by id, user and room. Every change of a user's sessions or rooms fires a
 * {@link UserSessionsChanged} event (presence observes it) while that user's entry is held, so one user's changes are
 * seen in the order they happened; different users never wait for each other (no node-wide lock). When a user's last
 * session ends without {@code logout} (closed, dropped, expired, too slow), the change that says so is fired only after
 * {@code im.gateway.offline-grace}, and says what is true then: an app that reconnected in between never looked offline.
 */
@ApplicationScoped
public class SessionRegistry {

    /**
     * A user's sessions on this node after a change, fired synchronously.
     *
     * @param userId the user
     * @param sessions how many sessions the user holds here now (0: gone)
     * @param rooms the rooms those sessions have entered
     * @param written completed by whoever makes the change known (presence: once Kafka has it)
     */
    public record UserSessionsChanged(String userId, int sessions, List<String> rooms, CompletableFuture<Void> written) {}

    private final Map<String, Session> byId = new ConcurrentHashMap<>();
    private final Map<String, Set<Session>> byUser = new ConcurrentHashMap<>();
    private final Map<String, Set<Session>> byRoom = new ConcurrentHashMap<>();

    @Inject
    Event<UserSessionsChanged> changes;

    @Inject
    GatewayConfig config;

    @Inject
    Vertx vertx;

    /**
     * Registers a session; completes when its presence is known to routing (written to Kafka). A user past
     * {@code max-sessions-per-user} on this node loses the oldest sessions ({@code KICKED}).
     */
    public CompletableFuture<Void> add(Session session) {
        byId.put(session.id(), session);
        CompletableFuture<Void> written = change(session.userId(), sessions -> sessions.add(session));
        Set<Session> mine = ofUser(session.userId());
        if (mine.size() > config.maxSessionsPerUser()) {
            List<Session> oldestFirst = mine.stream().sorted(Comparator.comparingLong(Session::openedAt)
                    .thenComparing(s -> s == session)).toList();
            for (int i = 0; i < oldestFirst.size() - config.maxSessionsPerUser(); i++) {
                oldestFirst.get(i).close(CloseCode.KICKED);
            }
        }
        return written;
    }

    /**
     * Forgets a session and its room entries; completes when the change is written, or at once when the user's last
     * session went without logout (the change then waits for the grace period).
     */
    public CompletableFuture<Void> remove(Session session) {
        if (byId.remove(session.id()) == null) {
            return CompletableFuture.completedFuture(null);
        }
        boolean grace = !session.goneAtOnce() && config.offlineGrace().toMillis() > 0;
        return change(session.userId(), sessions -> {
            sessions.remove(session);
            for (String room : session.rooms()) {
                removeFrom(byRoom, room, session);
            }
        }, grace);
    }

    public CompletableFuture<Void> enterRoom(Session session, String roomId) {
        return change(session.userId(), sessions -> {
            if (byId.get(session.id()) == session && session.rooms().add(roomId)) {
                byRoom.computeIfAbsent(roomId, r -> ConcurrentHashMap.newKeySet()).add(session);
            }
        });
    }

    public CompletableFuture<Void> leaveRoom(Session session, String roomId) {
        return change(session.userId(), sessions -> {
            if (session.rooms().remove(roomId)) {
                removeFrom(byRoom, roomId, session);
            }
        });
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

    /** Fires every local user's state again, so routing never forgets a live user (see the presence heartbeat). */
    public void republishAll() {
        for (String userId : List.copyOf(byUser.keySet())) {
            change(userId, sessions -> {
            });
        }
    }

    private CompletableFuture<Void> change(String userId, Consumer<Set<Session>> mutation) {
        return change(userId, mutation, false);
    }

    /**
     * Applies {@code mutation} to the user's sessions and fires the result, with the user's entry held; with
     * {@code grace}, a result of no sessions is fired only after the grace period, as it is then.
     */
    private CompletableFuture<Void> change(String userId, Consumer<Set<Session>> mutation, boolean grace) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        byUser.compute(userId, (user, sessions) -> {
            Set<Session> set = sessions == null ? ConcurrentHashMap.newKeySet() : sessions;
            mutation.accept(set);
            if (grace && set.isEmpty()) {
                vertx.setTimer(config.offlineGrace().toMillis(), timer -> change(user, unchanged -> {
                }));
                written.complete(null);
                return null;
            }
            TreeSet<String> rooms = new TreeSet<>();
            set.forEach(s -> rooms.addAll(s.rooms()));
            changes.fire(new UserSessionsChanged(user, set.size(), List.copyOf(rooms), written));
            return set.isEmpty() ? null : set;
        });
        return written;
    }

    private static void removeFrom(Map<String, Set<Session>> index, String key, Session session) {
        index.computeIfPresent(key, (k, set) -> {
            set.remove(session);
            return set.isEmpty() ? null : set;
        });
    }
}
