package im.gateway.service;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import im.gateway.auth.UserPrincipal;
import im.gateway.config.GatewayConfig;
import im.protocol.Action;
import im.protocol.ApiError;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ErrorCode;
import im.protocol.MessageRules;
import im.protocol.Origin;
import im.protocol.ProtocolException;
import im.protocol.ServerFrames.Ack;

/**
 * The {@code revoke} op: checked against the stored message (history's internal lookup; a retry's alias resolves to the
 * message it duplicated) — only its sender, only within the window, only in its conversation — then written to the
 * conversation's stream under the stored message's own id, so the recall reaches everybody in order; history keeps a
 * tombstone and online participants get {@code revoked}.
 */
@ApplicationScoped
public class RevokeService {
    @Inject
    GatewayConfig config;

    @Inject
    SendService sendService;

    @Inject
    HistoryLookup history;

    public CompletableFuture<Ack> revoke(UserPrincipal user, ConversationRef to, String messageId, String requestId,
            Origin origin) {
        try {
            MessageRules.checkAddressing(to, null, null, null, null);
            MessageRules.checkAction(Action.revoke(messageId), null);
        } catch (ProtocolException e) {
            return CompletableFuture.completedFuture(Ack.failed(requestId, e.toApiError()));
        }
        String key = ConversationKey.of(user.userId(), to).value();
        // history's lookup asks again while the message is not stored yet (a recall right after the send can overtake
        // it): fault tolerance's retry on NOT_FOUND, see HistoryLookup.message
        return history.message(messageId).onFailure(RevokeService::isNotFound).recoverWithNull()
                .subscribeAsCompletionStage().thenApply(stored -> {
                    if (stored == null || !key.equals(stored.conversationKey())) {
                        throw new ProtocolException(ErrorCode.NOT_FOUND, "no message " + messageId + " in this conversation");
                    }
                    if (!user.userId().equals(stored.senderId())) {
                        throw new ProtocolException(ErrorCode.FORBIDDEN, "only the sender may recall a message");
                    }
                    if (System.currentTimeMillis() - stored.sentAt() > config.revokeWindow().toMillis()) {
                        throw new ProtocolException(ErrorCode.REVOKE_WINDOW_PASSED,
                                "messages can be recalled for " + config.revokeWindow().toSeconds() + " s");
                    }
                    return stored;
                }).thenCompose(stored -> sendService.act(user, to, Action.revoke(stored.messageId()), requestId, origin,
                        System.currentTimeMillis()))
                .exceptionally(failure -> {
                    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                    ApiError error = cause instanceof ProtocolException p
                            ? p.toApiError()
                            : ApiError.of(ErrorCode.UNAVAILABLE, "recall failed; retry");
                    return Ack.failed(requestId, error);
                });
    }

    private static boolean isNotFound(Throwable failure) {
        return failure instanceof ProtocolException p && p.code() == ErrorCode.NOT_FOUND;
    }
}
