package im.gateway.presence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Which sessions of this node watch which users' presence: per session at most {@code maxPerSession} users (across
 * calls), each until an optional expiry; a session's subscriptions go when it closes ({@link #clear}). Expired
 * subscriptions are skipped at once and forgotten by {@link #expire}. Thread-safe; callers that must order frames
 * around a change (the ack before the first push) hold this object's monitor.
 */
public final class PresenceSubscriptions {
    /** An expiry of a subscription without {@code durationSeconds}. */
    public static final long NEVER = Long.MAX_VALUE;

    private final int maxPerSession;
    /** session → watched user → expiry (epoch ms). */
    private final Map<String, Map<String, Long>> bySession = new HashMap<>();
    /** watched user → sessions. */
    private final Map<String, Set<String>> byUser = new HashMap<>();

    public PresenceSubscriptions(int maxPerSession) {
        this.maxPerSession = maxPerSession;
    }

    /**
     * Subscribes the session to the users until {@code expiresAt} (a subscription already held takes the new expiry);
     * refuses all of it with {@code INVALID_REQUEST} when the session would then watch more than the limit.
     */
    public synchronized void subscribe(String sessionId, List<String> userIds, long expiresAt, long now) {
        Map<String, Long> mine = bySession.getOrDefault(sessionId, Map.of());
        int live = 0;
        for (Map.Entry<String, Long> held : mine.entrySet()) {
            if (held.getValue() > now) {
                live++;
            }
        }
        Set<String> added = new HashSet<>();
        for (String userId : userIds) {
            Long held = mine.get(userId);
            if (held == null || held <= now) {
                added.add(userId);
            }
        }
        if (live + added.size() > maxPerSession) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                    "a session may watch the presence of at most " + maxPerSession + " users");
        }
        Map<String, Long> subscriptions = bySession.computeIfAbsent(sessionId, s -> new HashMap<>());
        for (String userId : userIds) {
            subscriptions.put(userId, expiresAt);
            byUser.computeIfAbsent(userId, u -> new HashSet<>()).add(sessionId);
        }
    }

    /** Ends the session's subscriptions to these users (those it does not hold are ignored). */
    public synchronized void unsubscribe(String sessionId, List<String> userIds) {
        Map<String, Long> subscriptions = bySession.get(sessionId);
        if (subscriptions == null) {
            return;
        }
        for (String userId : userIds) {
            if (subscriptions.remove(userId) != null) {
                forget(userId, sessionId);
            }
        }
        if (subscriptions.isEmpty()) {
            bySession.remove(sessionId);
        }
    }

    /** Forgets every subscription of a session (it closed). */
    public synchronized void clear(String sessionId) {
        Map<String, Long> subscriptions = bySession.remove(sessionId);
        if (subscriptions != null) {
            subscriptions.keySet().forEach(userId -> forget(userId, sessionId));
        }
    }

    /** The sessions watching the user now (expired subscriptions left out). */
    public synchronized List<String> watchers(String userId, long now) {
        Set<String> sessions = byUser.get(userId);
        if (sessions == null) {
            return List.of();
        }
        List<String> live = new ArrayList<>(sessions.size());
        for (String sessionId : sessions) {
            Long expiresAt = bySession.getOrDefault(sessionId, Map.of()).get(userId);
            if (expiresAt != null && expiresAt > now) {
                live.add(sessionId);
            }
        }
        return live;
    }

    /** The users a session watches now. */
    public synchronized Set<String> watchedBy(String sessionId, long now) {
        Set<String> watched = new HashSet<>();
        bySession.getOrDefault(sessionId, Map.of()).forEach((userId, expiresAt) -> {
            if (expiresAt > now) {
                watched.add(userId);
            }
        });
        return watched;
    }

    /** Forgets subscriptions that expired by {@code now}; returns how many. */
    public synchronized int expire(long now) {
        int expired = 0;
        for (Map.Entry<String, Map<String, Long>> session : List.copyOf(bySession.entrySet())) {
            for (Map.Entry<String, Long> subscription : List.copyOf(session.getValue().entrySet())) {
                if (subscription.getValue() <= now) {
                    session.getValue().remove(subscription.getKey());
                    forget(subscription.getKey(), session.getKey());
                    expired++;
                }
            }
            if (session.getValue().isEmpty()) {
                bySession.remove(session.getKey());
            }
        }
        return expired;
    }

    /** How many subscriptions are held (expired ones not yet forgotten included): a gauge. */
    public synchronized int size() {
        int size = 0;
        for (Map<String, Long> subscriptions : bySession.values()) {
            size += subscriptions.size();
        }
        return size;
    }

    private void forget(String userId, String sessionId) {
        Set<String> sessions = byUser.get(userId);
        if (sessions != null) {
            sessions.remove(sessionId);
            if (sessions.isEmpty()) {
                byUser.remove(userId);
            }
        }
    }
}
