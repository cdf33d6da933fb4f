package im.gateway.service;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;

import im.gateway.config.GatewayConfig;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.ProtocolException;

/**
 * history-service's internal API, as the gateway asks it (port kept off the public network): the stored message behind an
 * id, the first write of a retried clientMsgId, and group id claims.
 */
@ApplicationScoped
public class HistoryLookup {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * A stored message.
     *
     * @param messageId its own id (a retry's alias resolves to it)
     * @param conversationKey its conversation
     * @param senderId its sender
     * @param sentAt when it was sent
     * @param orderKey its orderKey
     */
    public record Stored(String messageId, String conversationKey, String senderId, long sentAt, long orderKey) {}

    @Inject
    GatewayConfig config;

    /** The message behind {@code messageId} (or an alias of it); null when history has none. */
    public CompletableFuture<Stored> message(String messageId) {
        return get("/v1/internal/messages/" + encode(messageId));
    }

    /** The first stored write of this clientMsgId within the dedupe window; null when there is none. */
    public CompletableFuture<Stored> sent(String conversationKey, String senderId, String clientMsgId) {
        return get("/v1/internal/sent?conversationKey=" + encode(conversationKey) + "&senderId=" + encode(senderId)
                + "&clientMsgId=" + encode(clientMsgId));
    }

    /** Claims {@code groupId} for {@code ownerId}: completes when it is theirs, fails ALREADY_EXISTS when it is not. */
    public CompletableFuture<Void> claimGroup(String groupId, String ownerId) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(config.historyUrl() + "/v1/internal/groups/" + encode(groupId)
                + "/claim/" + encode(ownerId))).POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5))
                .build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((answer, failure) -> {
            if (failure == null && answer.statusCode() == 200) {
                return null;
            }
            if (failure == null && answer.statusCode() == 409) {
                throw new ProtocolException(ErrorCode.ALREADY_EXISTS, "group " + groupId + " exists");
            }
            throw new ProtocolException(ErrorCode.UNAVAILABLE, "groups cannot be created right now; retry");
        });
    }

    private CompletableFuture<Stored> get(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(config.historyUrl() + path)).timeout(Duration.ofSeconds(5))
                .build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((answer, failure) -> {
            if (failure != null || (answer.statusCode() != 200 && answer.statusCode() != 404)) {
                throw new ProtocolException(ErrorCode.UNAVAILABLE, "history is not reachable; retry");
            }
            if (answer.statusCode() == 404) {
                return null;
            }
            JsonNode stored = JsonCodec.tree(answer.body());
            return new Stored(stored.path("messageId").asText(), stored.path("conversationKey").asText(),
                    stored.path("senderId").asText(), stored.path("sentAt").asLong(), stored.path("orderKey").asLong());
        });
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
