package im.gateway.service;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

import im.edge.moderation.ContentCheck;
import im.edge.moderation.HookRequest;
import im.gateway.auth.UserPrincipal;
import im.gateway.config.GatewayConfig;
import im.protocol.Action;
import im.protocol.ApiError;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ErrorCode;
import im.protocol.MessageContent;
import im.protocol.MessageRules;
import im.protocol.MessageType;
import im.protocol.Origin;
import im.protocol.ProtocolException;
import im.protocol.ReactRequest;
import im.protocol.Reaction;
import im.protocol.ServerFrames.Ack;
import im.protocol.StoredMessage;

/**
 * The v1.1 {@code react} and {@code edit} ops. Each is checked like a send (the conversation, participation, the rate
 * limit) and against the stored message (history's internal lookup): it must be in this conversation and not recalled;
 * a reaction within its bounds ({@link Reaction#MAX_PER_MESSAGE} distinct per message, {@link Reaction#MAX_PER_USER} per
 * user, REACTION_LIMIT_REACHED), an edit only by the sender (FORBIDDEN), of a text or custom message, within
 * {@code edit-window} (EDIT_WINDOW_PASSED), and its new content passes the checks and the moderation of a send
 * (CONTENT_REJECTED). Then it is written to the conversation's stream like a recall ({@link SendService#act}); history
 * applies it and writes what participants now see ({@code reactionsChanged}, {@code messageEdited}), which routing
 * delivers. The same react twice counts once and the remove of an absent reaction is acked: history's table decides.
 */
@ApplicationScoped
public class MessageFeatureService {

    @Inject
    GatewayConfig config;

    @Inject
    SendService sendService;

    @Inject
    HistoryLookup history;

    @Inject
    RateLimiter rateLimiter;

    @Inject
    ContentCheck contentCheck;

    @Inject
    MeterRegistry metrics;

    /** The {@code react} op. Never throws: refusals complete as a failed ack. */
    public CompletableFuture<Ack> react(UserPrincipal user, ReactRequest request, Origin origin) {
        String requestId = request.id();
        String key;
        try {
            MessageRules.checkAddressing(request.to(), null, null, null, null);
            MessageRules.requireMessageId(request.messageId());
            Reaction.require(request.reaction());
            key = ConversationKey.of(user.userId(), request.to()).value();
            if (!rateLimiter.tryAcquire(user.userId())) {
                throw new ProtocolException(ErrorCode.RATE_LIMITED,
                        "at most " + config.sendRatePerSecond() + " messages and reactions per second");
            }
        } catch (ProtocolException e) {
            return refused(e, requestId);
        }
        return target(history.reactionTarget(request.messageId(), user.userId()), key, request.messageId())
                .thenApply(stored -> {
                    if (!request.removes() && !stored.userReactions().contains(request.reaction())) {
                        if (!stored.reactions().contains(request.reaction())
                                && stored.reactions().size() >= Reaction.MAX_PER_MESSAGE) {
                            throw new ProtocolException(ErrorCode.REACTION_LIMIT_REACHED,
                                    "a message holds at most " + Reaction.MAX_PER_MESSAGE + " distinct reactions");
                        }
                        if (stored.userReactions().size() >= Reaction.MAX_PER_USER) {
                            throw new ProtocolException(ErrorCode.REACTION_LIMIT_REACHED,
                                    "a user gives a message at most " + Reaction.MAX_PER_USER + " reactions");
                        }
                    }
                    return stored;
                })
                .thenCompose(stored -> sendService.act(user, request.to(),
                        Action.react(stored.messageId(), request.reaction(), request.removes()), requestId, origin))
                .exceptionally(failure -> failed(failure, requestId));
    }

    /** The {@code edit} op. Never throws: refusals complete as a failed ack. */
    public CompletableFuture<Ack> edit(UserPrincipal user, ConversationRef to, String messageId, MessageContent content,
            String requestId, Origin origin) {
        String key;
        try {
            MessageRules.checkAddressing(to, null, null, null, null);
            MessageRules.requireMessageId(messageId);
            MessageRules.checkEditContent(content);
            key = ConversationKey.of(user.userId(), to).value();
            if (!rateLimiter.tryAcquire(user.userId())) {
                throw new ProtocolException(ErrorCode.RATE_LIMITED,
                        "at most " + config.sendRatePerSecond() + " messages and edits per second");
            }
            contentCheck.requireCleanWords(content);
        } catch (ProtocolException e) {
            return refused(e, requestId);
        }
        CompletableFuture<StoredMessage> stored = target(history.message(messageId), key, messageId).thenApply(message -> {
            if (!user.userId().equals(message.senderId())) {
                throw new ProtocolException(ErrorCode.FORBIDDEN, "only the sender may edit a message");
            }
            if (message.type() != MessageType.TEXT && message.type() != MessageType.CUSTOM) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "only text and custom messages can be edited");
            }
            if (content.type() != message.type()) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "an edit keeps the message's type");
            }
            if (System.currentTimeMillis() - message.sentAt() > config.editWindow().toMillis()) {
                throw new ProtocolException(ErrorCode.EDIT_WINDOW_PASSED,
                        "messages can be edited for " + config.editWindow().toSeconds() + " s");
            }
            return message;
        });
        // the moderation hook (off by default) judges the new content as a send's
        CompletableFuture<StoredMessage> reviewed = contentCheck.hasHook()
                ? stored.thenCompose(message -> contentCheck.review(HookRequest.message(user.userId(), to, content))
                        .subscribeAsCompletionStage().thenApply(allowed -> message))
                : stored;
        return reviewed
                .thenCompose(message -> sendService.act(user, to, Action.edit(message.messageId(), content), requestId,
                        origin))
                .exceptionally(failure -> failed(failure, requestId));
    }

    /**
     * The stored message, once checked to be in conversation {@code key} and not recalled (NOT_FOUND otherwise; a message
     * not stored yet is asked again by the lookup, as for a recall).
     */
    private static CompletableFuture<StoredMessage> target(Uni<StoredMessage> lookup, String key,
            String messageId) {
        return lookup.onFailure(MessageFeatureService::isNotFound).recoverWithNull().subscribeAsCompletionStage()
                .thenApply(stored -> {
                    if (stored == null || !key.equals(stored.conversationKey()) || stored.revoked()) {
                        throw new ProtocolException(ErrorCode.NOT_FOUND, "no message " + messageId + " in this conversation");
                    }
                    return stored;
                });
    }

    private CompletableFuture<Ack> refused(ProtocolException e, String requestId) {
        metrics.counter("im.gateway.features.refused", "code", e.code().name()).increment();
        return CompletableFuture.completedFuture(Ack.failed(requestId, e.toApiError()));
    }

    private Ack failed(Throwable failure, String requestId) {
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof ProtocolException p) {
            metrics.counter("im.gateway.features.refused", "code", p.code().name()).increment();
            return Ack.failed(requestId, p.toApiError());
        }
        return Ack.failed(requestId, ApiError.of(ErrorCode.UNAVAILABLE, "history is not reachable; retry"));
    }

    private static boolean isNotFound(Throwable failure) {
        return failure instanceof ProtocolException p && p.code() == ErrorCode.NOT_FOUND;
    }
}
