package im.gateway.service;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import im.testkit.FreePorts;

/**
 * A stand-in for history-service on a free port, for the gateway's typed clients: internal lookups that answer 404 a
 * few times before the message is "stored" ({@code late-*}), never ({@code never}), not at all ({@code slow}), or by
 * dropping the connection ({@code drop}); a taken group id; and an app API that echoes path, query, token and body,
 * answering 403 and 500 where a test asks for them. {@code GET /stats} tells how many connections it dropped.
 */
public class HistoryOrigin implements QuarkusTestResourceLifecycleManager {
    /** Lookups of a {@code late-*} message answered 404 before it is found. */
    static final int LATE_MISSES = 2;

    private Vertx vertx;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        AtomicInteger dropped = new AtomicInteger();
        Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
        int port = FreePorts.next();
        HttpServer server = vertx.createHttpServer().requestHandler(request -> {
            String path = request.path();
            String marker = path.startsWith("/v1/internal/sent")
                    ? String.valueOf(request.getParam("clientMsgId"))
                    : path.startsWith("/v1/search") ? String.valueOf(request.getParam("q")) : path;
            if (path.equals("/stats")) {
                request.response().end(String.valueOf(dropped.get()));
            } else if (marker.endsWith("drop")) {
                dropped.incrementAndGet();
                request.connection().close();
            } else if (marker.endsWith("slow")) {
                // never answered: the caller's timeout decides
            } else if (path.startsWith("/v1/internal/messages/")) {
                String id = path.substring("/v1/internal/messages/".length());
                boolean found = id.startsWith("late-")
                        && asked.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet() > LATE_MISSES;
                answer(request, found ? 200 : 404, found ? stored(id) : error("NOT_FOUND"));
            } else if (path.startsWith("/v1/internal/sent")) {
                answer(request, 404, error("NOT_FOUND"));
            } else if (path.startsWith("/v1/internal/groups/taken/claim/")) {
                answer(request, 409, error("ALREADY_EXISTS"));
            } else if (path.startsWith("/v1/internal/groups/")) {
                answer(request, 200, new JsonObject().put("groupId", "g"));
            } else if (path.contains("forbidden")) {
                answer(request, 403, error("FORBIDDEN"));
            } else if (request.method().name().equals("DELETE") && path.endsWith("/gone")) {
                answer(request, 404, error("NOT_FOUND"));
            } else if (request.method().name().equals("DELETE")) {
                request.response().setStatusCode(204).end();
            } else if (marker.equals("broken")) {
                answer(request, 500, error("INTERNAL"));
            } else {
                request.body().onSuccess(body -> answer(request, 200, new JsonObject().put("method", request.method().name())
                        .put("path", path).put("query", request.query())
                        .put("authorization", request.getHeader("Authorization")).put("body", body.toString())));
            }
        });
        try {
            server.listen(port, "localhost").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the history stand-in did not start", e);
        }
        return Map.of("im.gateway.history-url", "http://localhost:" + port);
    }

    private static JsonObject stored(String id) {
        return new JsonObject().put("messageId", id).put("conversationKey", "peer/alice/bob").put("senderId", "alice")
                .put("sentAt", 1000).put("revoked", false).put("orderKey", 7);
    }

    private static JsonObject error(String code) {
        return new JsonObject().put("error", new JsonObject().put("code", code));
    }

    private static void answer(HttpServerRequest request, int status, JsonObject body) {
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }
}
