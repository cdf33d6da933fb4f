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

import im.gateway.auth.UserPrincipal;
import im.gateway.config.GatewayConfig;
import im.protocol.Action;
import im.protocol.ApiError;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MessageRules;
import im.protocol.Origin;
import im.protocol.ProtocolException;
import im.protocol.ServerFrames.Ack;

/**
 * The {@code revoke} op: checked against the stored message (history's internal lookup) — only its sender, only within
 * the window, only in its conversation — then written to the conversation's stream, so the recall reaches everybody in
 * order; history keeps a tombstone and online participants get {@code revoked}.
 */
@ApplicationScoped
public class RevokeService {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Inject
    GatewayConfig config;

    @Inject
    SendService sendService;

    public CompletableFuture<Ack> revoke(UserPrincipal user, ConversationRef to, String messageId, String requestId,
            Origin origin) {
        try {
            MessageRules.checkAddressing(to, null, null, null, null);
            MessageRules.checkAction(Action.revoke(messageId), null);
        } catch (ProtocolException e) {
            return CompletableFuture.completedFuture(Ack.failed(requestId, e.toApiError()));
        }
        String key = ConversationKey.of(user.userId(), to).value();
        HttpRequest lookup = HttpRequest.newBuilder(URI.create(config.historyUrl() + "/v1/internal/messages/"
                + URLEncoder.encode(messageId, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).build();
        return HTTP.sendAsync(lookup, HttpResponse.BodyHandlers.ofString()).handle((answer, failure) -> {
            if (failure != null || (answer.statusCode() != 200 && answer.statusCode() != 404)) {
                throw new ProtocolException(ErrorCode.UNAVAILABLE, "history is not reachable; retry");
            }
            JsonNode stored = answer.statusCode() == 200 ? JsonCodec.tree(answer.body()) : null;
            if (stored == null || !key.equals(stored.path("conversationKey").asText())) {
                throw new ProtocolException(ErrorCode.NOT_FOUND, "no message " + messageId + " in this conversation");
            }
            if (!user.userId().equals(stored.path("senderId").asText())) {
                throw new ProtocolException(ErrorCode.FORBIDDEN, "only the sender may recall a message");
            }
            long checkedAt = System.currentTimeMillis();
            if (checkedAt - stored.path("sentAt").asLong() > config.revokeWindow().toMillis()) {
                throw new ProtocolException(ErrorCode.REVOKE_WINDOW_PASSED,
                        "messages can be recalled for " + config.revokeWindow().toSeconds() + " s");
            }
            return checkedAt;
        }).thenCompose(checkedAt -> sendService.act(user, to, Action.revoke(messageId), requestId, origin, checkedAt))
                .exceptionally(failure -> {
                    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                    ApiError error = cause instanceof ProtocolException p
                            ? p.toApiError()
                            : ApiError.of(ErrorCode.UNAVAILABLE, "recall failed; retry");
                    return Ack.failed(requestId, error);
                });
    }
}
