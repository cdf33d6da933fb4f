package im.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real moderation hook (PROTOCOL v1.1) on a free port, set as {@code im.moderation.hook.url}: it refuses a body holding
 * {@value #REFUSE} with the reason {@value #REASON}, never answers one holding {@value #SLEEP} (the caller's timeout
 * decides), answers one holding {@value #BREAK} with a 500, and allows everything else. {@code GET /seen} lists the
 * bodies it was posted, one per line.
 */
public class ModerationHookStub implements QuarkusTestResourceLifecycleManager {
    /** A body holding this is refused. */
    public static final String REFUSE = "hook-refuses";
    /** A body holding this is never answered. */
    public static final String SLEEP = "hook-sleeps";
    /** A body holding this is answered with a 500. */
    public static final String BREAK = "hook-breaks";
    /** The reason of a refusal. */
    public static final String REASON = "refused by the hook";

    private HttpServer server;
    private ExecutorService threads;
    private final CountDownLatch stopping = new CountDownLatch(1);

    @Override
    public Map<String, String> start() {
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        try {
            server = HttpServer.create(new InetSocketAddress("localhost", FreePorts.next()), 64);
        } catch (IOException e) {
            throw new IllegalStateException("the hook stub did not start", e);
        }
        threads = Executors.newCachedThreadPool();
        server.setExecutor(threads);
        server.createContext("/seen", exchange -> answer(exchange, 200, "text/plain", String.join("\n", seen)));
        server.createContext("/check", exchange -> {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            seen.add(body.replace('\n', ' '));
            if (body.contains(BREAK)) {
                answer(exchange, 500, "text/plain", "broken");
            } else if (body.contains(SLEEP)) {
                try {
                    stopping.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
            } else if (body.contains(REFUSE)) {
                answer(exchange, 200, "application/json", "{\"allow\":false,\"reason\":\"" + REASON + "\"}");
            } else {
                answer(exchange, 200, "application/json", "{\"allow\":true}");
            }
        });
        server.start();
        return Map.of("im.moderation.hook.url", "http://localhost:" + server.getAddress().getPort() + "/check");
    }

    private static void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void stop() {
        stopping.countDown();
        if (server != null) {
            server.stop(0);
        }
        if (threads != null) {
            threads.shutdownNow();
        }
    }
}
