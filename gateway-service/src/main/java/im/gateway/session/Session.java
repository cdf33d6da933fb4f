package im.gateway.session;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.impl.ContextInternal;

import im.gateway.auth.UserPrincipal;
import im.protocol.CloseCode;
import im.protocol.JsonCodec;
import im.protocol.ServerFrames;

/**
 * One app connection on this node. It owns its socket, its outbound queue and its lifecycle: it is closed once, through
 * {@link #close(CloseCode)}, which sends the {@code closing} reason that goes with the code and tells whoever listens
 * (the registry, and through it presence) that it is gone.
 */
public final class Session {
    private static final Logger LOG = Logger.getLogger(Session.class);

    private final String id;
    private final long openedAt = System.currentTimeMillis();
    private final AtomicInteger retryChecks = new AtomicInteger();
    private final Vertx vertx;
    private final Context eventLoop;
    private final Executor context;
    private final ServerWebSocket socket;
    private final Outbox outbox;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Whether the user goes offline at once when this session ends (logout, kick, shutdown), not after the grace. */
    private volatile boolean goneAtOnce;
    private final Consumer<Session> onClosed;
    private volatile UserPrincipal principal;
    private volatile long warnTimer = -1;
    private volatile long expiryTimer = -1;
    /** Completes when this session's latest send has been handed to Kafka (see {@link #sendOrder}). */
    private final AtomicReference<CompletableFuture<Void>> lastSend = new AtomicReference<>(
            CompletableFuture.completedFuture(null));
    /** The last im.deliveries offset this node had pushed when the session was registered; -1 before. */
    private volatile long registeredAfterOffset = -1;
    /** The last deliveries poll that queued a message here; touched only by the deliveries thread. */
    private long queuedInPoll = -1;

    /**
     * @param onClosed told once when the session ends, however it ends (server close, client close, dropped socket)
     */
    public Session(String id, Vertx vertx, ServerWebSocket socket, UserPrincipal principal, int queueCapacity,
            Outbox.Drops drops, Consumer<Session> onClosed) {
        this.id = id;
        this.vertx = vertx;
        this.socket = socket;
        this.principal = principal;
        this.onClosed = onClosed;
        this.outbox = new Outbox(socket, queueCapacity, drops, () -> close(CloseCode.SLOW_CONSUMER));
        Context current = vertx.getOrCreateContext();
        this.context = command -> current.runOnContext(ignored -> command.run());
        // a request's context is a duplicate of its event loop's: sessions on one event loop share the root one
        this.eventLoop = current instanceof ContextInternal internal ? internal.unwrap() : current;
    }

    /** The event loop context of this session's socket, shared by its other sessions (to group work per loop). */
    public Context eventLoop() {
        return eventLoop;
    }

    /** Runs tasks on the event loop this session's frames arrive on (a send that waited for its turn continues there). */
    public Executor context() {
        return context;
    }

    public String id() {
        return id;
    }

    /** When the session was opened, epoch milliseconds. */
    public long openedAt() {
        return openedAt;
    }

    /**
     * Whether a send of this session may still be checked against history as a possible retry: in its first
     * {@code window} milliseconds, and for its first {@code sends} sends with a clientMsgId (a client resends its outbox
     * right after it reconnects, not a stream of new messages).
     */
    public boolean mayCheckRetry(long window, int sends) {
        return System.currentTimeMillis() - openedAt < window && retryChecks.getAndIncrement() < sends;
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

    public Outbox outbox() {
        return outbox;
    }

    public Set<String> rooms() {
        return rooms;
    }

    public boolean isOpen() {
        return !closed.get();
    }

    /** For the deliveries thread: marks this session as queued in {@code poll}; true the first time for that poll. */
    public boolean queuedInPoll(long poll) {
        if (queuedInPoll == poll) {
            return false;
        }
        queuedInPoll = poll;
        return true;
    }

    public long registeredAfterOffset() {
        return registeredAfterOffset;
    }

    public void registeredAfterOffset(long offset) {
        this.registeredAfterOffset = offset;
    }

    /**
     * Takes the next place in this session's send order: returns what the new send must wait for (the previous send
     * handed to Kafka), and makes {@code handedOver} what the following send waits for.
     */
    public CompletableFuture<Void> sendOrder(CompletableFuture<Void> handedOver) {
        return lastSend.getAndSet(handedOver);
    }

    /** Queues a control frame (ack, pong, error, token warning); a session that cannot take it is closed as slow. */
    public void reply(Object frame) {
        outbox.offerFrame(frame);
    }

    /** Replaces the token timers (cancelling the old ones). */
    public void timers(long warn, long expiry) {
        cancelTimers();
        this.warnTimer = warn;
        this.expiryTimer = expiry;
    }

    private void cancelTimers() {
        if (warnTimer >= 0) {
            vertx.cancelTimer(warnTimer);
        }
        if (expiryTimer >= 0) {
            vertx.cancelTimer(expiryTimer);
        }
    }

    /**
     * Ends the session: the {@code closing} frame with the code's reason (if it has one), then the close; what was still
     * queued for it is dropped. Safe to call from any thread, any number of times.
     */
    public void close(CloseCode code) {
        goneAtOnce |= code == CloseCode.SHUTDOWN || code == CloseCode.KICKED;
        if (!ended()) {
            return;
        }
        outbox.close();
        Runnable closeSocket = () -> socket.close((short) code.code(), code.reason() == null ? code.name() : code.reason())
                .onFailure(e -> LOG.debugf("close of %s failed: %s", id, e.getMessage()));
        if (code.reason() == null) {
            closeSocket.run();
        } else {
            socket.writeTextMessage(JsonCodec.encode(ServerFrames.Closing.of(code.reason())))
                    .onComplete(done -> closeSocket.run());
        }
    }

    /**
     * {@code logout}: {@code ack} is the session's last frame (what was still queued is dropped), then the socket closes
     * with 1000, and the user is offline at once if this was the last session.
     */
    public void logout(Object ack) {
        goneAtOnce = true;
        if (!ended()) {
            return;
        }
        outbox.close();
        socket.writeTextMessage(JsonCodec.encode(ack)).onComplete(written -> socket
                .close((short) CloseCode.NORMAL.code(), "logout")
                .onFailure(e -> LOG.debugf("close of %s failed: %s", id, e.getMessage())));
    }

    /** Whether the user goes offline at once when this session ends (logout, kick, shutdown), not after a grace. */
    public boolean goneAtOnce() {
        return goneAtOnce;
    }

    /** The socket was closed by the client or dropped: forget the session. */
    public void closedByPeer() {
        if (ended()) {
            outbox.close();
        }
    }

    private boolean ended() {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        cancelTimers();
        onClosed.accept(this);
        return true;
    }
}
