package im.testkit;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

import im.protocol.ClientFrame;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.ServerFrames;

/**
 * A real WebSocket client of the gateway for tests and the load generator: records every frame it receives and waits on
 * conditions (Awaitility), never on sleeps.
 */
public final class WsClient implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final WebSocket socket;
    private final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile String closeReason;

    private WsClient(URI uri, String bearer) {
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        this.socket = builder.buildAsync(uri, new Listener()).join();
    }

    /** Connects with the token in the {@code Authorization} header. */
    public static WsClient connect(String baseUrl, String token) {
        return new WsClient(URI.create(wsUrl(baseUrl) + "/v1/ws"), token);
    }

    /** Connects with the token as {@code ?token=}, as browsers must. */
    public static WsClient connectWithQueryToken(String baseUrl, String token) {
        return new WsClient(URI.create(wsUrl(baseUrl) + "/v1/ws?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)),
                null);
    }

    private static String wsUrl(String baseUrl) {
        return baseUrl.replaceFirst("^http", "ws").replaceAll("/$", "");
    }

    /** Sends a frame and returns its request id (one is assigned when the frame has none). */
    public String send(ClientFrame frame) {
        String id = frame.id() != null ? frame.id() : "r" + ids.incrementAndGet();
        ClientFrame withId = frame.id() != null
                ? frame
                : new ClientFrame(frame.op(), id, frame.to(), frame.message(), frame.clientMsgId(), frame.priority(),
                        frame.mentions(), frame.toUserIds(), frame.receipt(), frame.roomId(), frame.messageId(),
                        frame.orderKey(),
                        frame.kind(), frame.token(), frame.traceparent(), frame.repliedTo());
        sendRaw(JsonCodec.encode(withId));
        return id;
    }

    /** Sends raw text, for malformed-frame tests. */
    public void sendRaw(String text) {
        socket.sendText(text, true).join();
    }

    /** Sends a frame and waits for its ack. */
    public ServerFrames.Ack request(ClientFrame frame) {
        String id = send(frame);
        return JsonCodec.mapper().convertValue(awaitFrame(f -> "ack".equals(text(f, "op")) && id.equals(text(f, "id"))),
                ServerFrames.Ack.class);
    }

    /** Waits for the first received frame that matches. */
    public JsonNode awaitFrame(Predicate<JsonNode> match) {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> find(match), f -> f != null);
    }

    /** Waits for the first frame with this op. */
    public JsonNode awaitOp(String op) {
        return awaitFrame(f -> op.equals(text(f, "op")));
    }

    private JsonNode find(Predicate<JsonNode> match) {
        for (JsonNode frame : frames) {
            if (match.test(frame)) {
                return frame;
            }
        }
        return null;
    }

    /** Every message received in {@code messages} frames, in arrival order. */
    public List<Message> messages() {
        return frames.stream().filter(f -> "messages".equals(text(f, "op")))
                .flatMap(f -> JsonCodec.mapper().convertValue(f, ServerFrames.Messages.class).messages().stream()).toList();
    }

    /** Waits until at least {@code count} messages have arrived and returns them all. */
    public List<Message> awaitMessages(int count) {
        return await().atMost(WAIT.multipliedBy(3)).pollInterval(Duration.ofMillis(20)).until(this::messages,
                list -> list.size() >= count);
    }

    /** Every frame received so far. */
    public List<JsonNode> frames() {
        return List.copyOf(frames);
    }

    /** Waits until the server closes the connection; returns the close code. */
    public int awaitClosed() {
        return closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    public String closeReason() {
        return closeReason;
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    public static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
            closed.orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> 0).join();
        }
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(JsonCodec.tree(partial.toString()));
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }
}
