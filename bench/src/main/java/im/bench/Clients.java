package im.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import im.testkit.Tokens;

/**
 * Non-blocking WebSocket clients of the gateway on a few Vert.x event loops (not a thread per socket). Connections are
 * spread over source addresses 127.0.0.1, .2, … ({@link #PER_ADDRESS} each) so that many sessions do not run out of
 * ephemeral ports towards one gateway address.
 */
final class Clients implements AutoCloseable {
    static final int PER_ADDRESS = 20_000;

    /** Told every text frame a connection receives, with the receive time on the harness clock. */
    interface Listener {
        void onText(Conn conn, String text, long now);
    }

    /** One open WebSocket of one user. */
    static final class Conn {
        final String userId;
        final int index;
        volatile WebSocket ws;
        volatile boolean closed;
        volatile String closeReason;

        Conn(String userId, int index) {
            this.userId = userId;
            this.index = index;
        }

        void send(String text) {
            WebSocket socket = ws;
            if (socket != null && !closed) {
                socket.writeTextMessage(text);
            }
        }
    }

    private final Vertx vertx;
    private final List<WebSocketClient> clients = new ArrayList<>();
    private final String host;
    private final int port;
    private final String secret;
    final AtomicInteger closedByServer = new AtomicInteger();

    Clients(String host, int port, String secret, int eventLoops, int addresses, int firstAddress) {
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setPreferNativeTransport(false)
                .setBlockedThreadCheckInterval(60_000));
        this.host = host;
        this.port = port;
        this.secret = secret;
        for (int i = 0; i < addresses; i++) {
            clients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(PER_ADDRESS)
                    .setLocalAddress("127.0.0." + (firstAddress + i)).setConnectTimeout(30_000)
                    .setMaxFrameSize(1 << 20).setMaxMessageSize(4 << 20)));
        }
    }

    /**
     * Opens one authenticated session per user, at most {@code concurrency} handshakes at a time; waits for all. A
     * session counts as open once the upgrade succeeded (the gateway verifies the token during the upgrade).
     */
    List<Conn> connect(List<String> userIds, Listener listener, int concurrency, Duration timeout) {
        Semaphore permits = new Semaphore(concurrency);
        List<Conn> conns = new ArrayList<>(userIds.size());
        List<CompletableFuture<Conn>> opened = new ArrayList<>(userIds.size());
        for (int i = 0; i < userIds.size(); i++) {
            Conn conn = new Conn(userIds.get(i), i);
            conns.add(conn);
            permits.acquireUninterruptibly();
            opened.add(open(conn, listener, i).whenComplete((c, e) -> permits.release()));
        }
        CompletableFuture.allOf(opened.toArray(CompletableFuture[]::new)).orTimeout(timeout.toMillis(),
                TimeUnit.MILLISECONDS).exceptionally(e -> null).join();
        return conns.stream().filter(c -> c.ws != null && !c.closed).toList();
    }

    private CompletableFuture<Conn> open(Conn conn, Listener listener, int i) {
        CompletableFuture<Conn> done = new CompletableFuture<>();
        String token = Tokens.sign(secret, conn.userId, conn.userId, Duration.ofHours(2), false);
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(host).setPort(port).setURI("/v1/ws")
                .addHeader("Authorization", "Bearer " + token);
        clients.get((i / PER_ADDRESS) % clients.size()).connect(options).onComplete(result -> {
            if (result.failed()) {
                conn.closed = true;
                conn.closeReason = result.cause().toString();
                done.complete(conn);
                return;
            }
            WebSocket ws = result.result();
            ws.textMessageHandler(text -> listener.onText(conn, text, Clock.now()));
            ws.closeHandler(v -> {
                if (!conn.closed) {
                    conn.closed = true;
                    conn.closeReason = String.valueOf(ws.closeReason());
                    closedByServer.incrementAndGet();
                }
            });
            ws.exceptionHandler(e -> conn.closeReason = e.toString());
            conn.ws = ws;
            done.complete(conn);
        });
        return done;
    }

    /** Closes the sessions, a batch at a time, and waits a little for the closes to go out. */
    /** Runs {@code task} on one of the clients' event loops after {@code delayMillis} (a client's backoff). */
    void later(long delayMillis, Runnable task) {
        vertx.setTimer(Math.max(1, delayMillis), id -> task.run());
    }

    void closeAll(List<Conn> conns) {
        for (Conn conn : conns) {
            conn.closed = true;
            WebSocket ws = conn.ws;
            if (ws != null) {
                ws.close();
            }
        }
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).exceptionally(e -> null)
                .join();
    }
}
