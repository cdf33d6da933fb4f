package im.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.testkit.FreePorts;

/**
 * A stand-in for history-service's internal message lookup, for the v1.1 message features: a message id
 * {@code f.<sender>.<other>.<type>.<new|old>[.<revoked|full|mine>]} is a stored peer message of that sender to that other
 * user, of that type, sent now or two days ago, recalled, holding the most distinct reactions, or holding the most the
 * asking user may give; any other id was never stored (404).
 */
public class FeatureHistory implements QuarkusTestResourceLifecycleManager {

    private Vertx vertx;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        int port = FreePorts.next();
        try {
            vertx.createHttpServer().requestHandler(request -> {
                String path = request.path();
                String id = path.startsWith("/v1/internal/messages/")
                        ? path.substring("/v1/internal/messages/".length())
                        : "";
                String[] parts = id.split("\\.");
                if (!id.startsWith("f.") || parts.length < 5) {
                    request.response().setStatusCode(404).putHeader("Content-Type", "application/json")
                            .end(new JsonObject().put("error", new JsonObject().put("code", "NOT_FOUND")).encode());
                    return;
                }
                String extra = parts.length > 5 ? parts[5] : "";
                List<String> distinct = new ArrayList<>();
                if (extra.equals("full")) {
                    for (int i = 0; i < 20; i++) {
                        distinct.add("r" + i);
                    }
                }
                List<String> mine = new ArrayList<>();
                if (extra.equals("mine")) {
                    for (int i = 0; i < 10; i++) {
                        mine.add("m" + i);
                    }
                    distinct.addAll(mine);
                }
                long sentAt = parts[4].equals("old")
                        ? System.currentTimeMillis() - 48 * 3600_000L
                        : System.currentTimeMillis();
                JsonObject stored = new JsonObject().put("messageId", id)
                        .put("conversationKey",
                                ConversationKey.of(parts[1], new ConversationRef(ConversationType.PEER, parts[2])).value())
                        .put("senderId", parts[1]).put("sentAt", sentAt).put("revoked", extra.equals("revoked"))
                        .put("orderKey", 7).put("type", parts[3])
                        .put("preview", parts[3].equals("image") ? "image" : "hello there")
                        .put("reactions", new JsonArray(distinct)).put("userReactions", new JsonArray(mine));
                request.response().putHeader("Content-Type", "application/json").end(stored.encode());
            }).listen(port, "localhost").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the history stand-in did not start", e);
        }
        return Map.of("im.gateway.history-url", "http://localhost:" + port);
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }
}
