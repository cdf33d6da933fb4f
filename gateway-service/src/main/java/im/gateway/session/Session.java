package im.gateway.session;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.quarkus.websockets.next.WebSocketConnection;

import im.gateway.auth.UserPrincipal;

/** One app connection on this node: who it is, which rooms it entered, and its outbound queue. */
public final class Session {
    private final WebSocketConnection connection;
    private final Outbox outbox;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    private volatile UserPrincipal principal;
    private volatile long warnTimer = -1;
    private volatile long expiryTimer = -1;

    public Session(WebSocketConnection connection, UserPrincipal principal, Outbox outbox) {
        this.connection = connection;
        this.principal = principal;
        this.outbox = outbox;
    }

    public String id() {
        return connection.id();
    }

    public String userId() {
        return principal.userId();
    }

    public UserPrincipal principal() {
        return principal;
    }

    /** Replaces the principal after renewToken (same user, later expiry). */
    public void renew(UserPrincipal renewed) {
        this.principal = renewed;
    }

    public WebSocketConnection connection() {
        return connection;
    }

    public Outbox outbox() {
        return outbox;
    }

    public Set<String> rooms() {
        return rooms;
    }

    public long warnTimer() {
        return warnTimer;
    }

    public long expiryTimer() {
        return expiryTimer;
    }

    public void timers(long warn, long expiry) {
        this.warnTimer = warn;
        this.expiryTimer = expiry;
    }
}
