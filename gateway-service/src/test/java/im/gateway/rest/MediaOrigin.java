package im.gateway.rest;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;

import im.testkit.FreePorts;

/**
 * A stand-in for media-service on a free port, for the gateway's pass-through: it takes upload bodies (dropping them),
 * answers 201 at their end, serves {@link #DOWNLOAD_BYTES} for any {@code GET /v1/media/{id}}, and tells at
 * {@code GET /stats} how many uploads are in flight and how many it has seen ({@code "active seen"}).
 */
public class MediaOrigin implements QuarkusTestResourceLifecycleManager {
    /** Size of every download. */
    static final int DOWNLOAD_BYTES = 8 * 1024 * 1024;

    private Vertx vertx;

    /** Byte {@code i} of every download. */
    static byte byteAt(int i) {
        return (byte) (i * 31 + (i >>> 8));
    }

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        AtomicInteger active = new AtomicInteger();
        AtomicInteger seen = new AtomicInteger();
        byte[] content = new byte[DOWNLOAD_BYTES];
        for (int i = 0; i < content.length; i++) {
            content[i] = byteAt(i);
        }
        Buffer download = Buffer.buffer(content);
        int port = FreePorts.next();
        HttpServer server = vertx.createHttpServer().requestHandler(request -> {
            if (request.path().equals("/stats")) {
                request.response().end(active.get() + " " + seen.get());
            } else if (request.method() == HttpMethod.POST && request.path().equals("/v1/media")) {
                seen.incrementAndGet();
                active.incrementAndGet();
                AtomicBoolean done = new AtomicBoolean();
                Runnable finish = () -> {
                    if (done.compareAndSet(false, true)) {
                        active.decrementAndGet();
                    }
                };
                request.handler(chunk -> {
                });
                request.exceptionHandler(failure -> finish.run());
                request.response().closeHandler(v -> finish.run());
                request.endHandler(v -> {
                    finish.run();
                    request.response().setStatusCode(201).putHeader("Content-Type", "application/json")
                            .end("{\"mediaId\":\"stub\"}");
                });
            } else if (request.method() == HttpMethod.GET && request.path().startsWith("/v1/media/")) {
                request.response().putHeader("Content-Type", "application/octet-stream").end(download);
            } else {
                request.response().setStatusCode(404).end();
            }
        });
        try {
            server.listen(port, "localhost").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the media stand-in did not start", e);
        }
        return Map.of("im.gateway.media-url", "http://localhost:" + port);
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }
}
