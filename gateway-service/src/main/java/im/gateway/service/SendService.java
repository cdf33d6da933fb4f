package im.gateway.service;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Context;

import im.edge.moderation.ContentCheck;
import im.edge.moderation.HookRequest;
import im.gateway.auth.UserPrincipal;
import im.gateway.config.GatewayConfig;
import im.gateway.messaging.MessagePublisher;
import im.gateway.session.Session;
import im.gateway.session.SessionRegistry;
import im.pipeline.DedupeKey;
import im.pipeline.SendMemory;
import im.protocol.Action;
import im.protocol.ApiError;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.Limits;
import im.protocol.MembershipView;
import im.protocol.MessageClass;
import im.protocol.MessageIds;
import im.protocol.MessageRules;
import im.protocol.MessageType;
import im.protocol.Origin;
import im.protocol.ProtocolException;
import im.protocol.RepliedTo;
import im.protocol.SendRequest;
import im.protocol.Sender;
import im.protocol.ServerFrames.Ack;
import im.protocol.StoredMessage;

/**
 * The send path shared by the WebSocket {@code send} op and {@code POST /v1/messages}: check, stamp, produce keyed by
 * conversation, and answer once Kafka has the record. A retry with the same clientMsgId from the same user in the same
 * conversation gets the first answer instead of a second message; routing and history drop such a retry too when it
 * arrives through another node.
 */
@ApplicationScoped
public class SendService {
    private static final Logger LOG = Logger.getLogger(SendService.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    @Inject
    GatewayConfig config;

    @Inject
    MessagePublisher publisher;

    @Inject
    RateLimiter rateLimiter;

    @Inject
    MembershipView membership;

    @Inject
    SessionRegistry sessions;

    @Inject
    MeterRegistry metrics;

    @Inject
    MediaLookup mediaLookup;

    @Inject
    HistoryLookup history;

    @Inject
    ContentCheck contentCheck;

    @Inject
    Admission admission;

    /**
     * The sends with a clientMsgId this node is writing, by user, conversation and clientMsgId: the future of the ack (a
     * retry waits for it). Entries live for the write only.
     */
    private final Map<DedupeKey, CompletableFuture<Ack>> writing = new ConcurrentHashMap<>();
    /**
     * The sends this node has acked, by the same key: what a retry's ack repeats (messageId as two longs, orderKey,
     * timestamp), in primitive arrays: at its default size this memory would otherwise be most of a loaded gateway's
     * long-lived heap, which its young collections paid for (docs/benchmarks.md).
     */
    private SendMemory acked;
    private Semaphore retryChecks;

    /** Refusals by code: past saturation, refusals come by the thousand a second, so their counters are kept. */
    private final Map<ErrorCode, Counter> refusedByCode = new ConcurrentHashMap<>();
    private Counter deduplicated;
    private Counter unavailable;
    private Counter ackedReliable;
    private Counter ackedFast;

    @PostConstruct
    void init() {
        acked = new SendMemory(config.dedupeMemory(), 4, config.dedupeWindow().toMillis());
        retryChecks = new Semaphore(config.retryChecksInFlight());
        deduplicated = metrics.counter("im.gateway.send.deduplicated");
        unavailable = metrics.counter("im.gateway.send.unavailable");
        ackedReliable = metrics.counter("im.gateway.send.acked", "class", MessageClass.RELIABLE.name());
        ackedFast = metrics.counter("im.gateway.send.acked", "class", "FAST");
    }

    /**
     * Sends a message for {@code user}. Never throws: refusals complete as a failed ack.
     *
     * @param requestId the request's id, repeated in the ack
     * @param origin the sending session, or null for REST
     */
    public CompletableFuture<Ack> send(UserPrincipal user, SendRequest request, String requestId, Origin origin) {
        Envelope checked;
        try {
            checked = check(user, request, origin);
        } catch (ProtocolException e) {
            return refused(e, requestId);
        }
        boolean lookup = checked.message().type().isMedia() && checked.message().mediaId() != null;
        Session session = origin == null ? null : sessions.byId(origin.sessionId());
        // a send over REST, or in the first moments of a session (a client resending what it sent before it reconnected),
        // may retry a clientMsgId written through another node or before a restart: history knows its first ack
        boolean mayRetryElsewhere = checked.clientMsgId() != null && (session == null
                || session.mayCheckRetry(config.retryCheckWindow().toMillis(), config.retryCheckSends()));
        // a session's messages are handed to the producer in the order it sent them (the producer keeps that order); the
        // look-ups a send may need (its media, history for a possible retry) start at once, in parallel with the sends
        // before it, and only the hand-over waits for its turn
        CompletableFuture<Void> handedOver = new CompletableFuture<>();
        CompletableFuture<Void> previous = session == null ? DONE : session.sendOrder(handedOver);
        return write(user, checked, lookup, requestId, mayRetryElsewhere, previous, handedOver,
                session == null ? null : session.context(), Context.current());
    }

    /**
     * Produces a checked message once the sends before it are handed over, answering a clientMsgId retry with the first
     * write's ack: from this node's memory, or, when {@code mayRetryElsewhere}, from history (a first write through
     * another node or before a restart). Completes {@code handedOver} once the record is with the producer, or once it is
     * clear that it will not be.
     */
    private CompletableFuture<Ack> write(UserPrincipal user, Envelope checked, boolean lookup, String requestId,
            boolean mayRetryElsewhere, CompletableFuture<Void> previous, CompletableFuture<Void> handedOver,
            Executor turns, Context trace) {
        DedupeKey dedupeKey = checked.clientMsgId() == null
                ? null
                : DedupeKey.of(user.userId(), checked.conversationKey(), checked.clientMsgId());
        CompletableFuture<Ack> mine = null;
        if (dedupeKey != null) {
            mine = new CompletableFuture<>();
            CompletableFuture<Ack> first = writing.putIfAbsent(dedupeKey, mine);
            // an acked send is remembered before its write's entry goes: a retry that finds no write finds the ack
            Ack before = first == null ? rememberedAck(dedupeKey) : null;
            if (before != null) {
                writing.remove(dedupeKey, mine);
                mine.complete(before); // a retry that found this entry meanwhile waits for it
            }
            if (first != null || before != null) {
                handedOver.complete(null);
                deduplicated.increment();
                return answer(first != null ? first : mine, requestId);
            }
        }
        // the look-ups start here, outside any future: whatever they throw becomes their future's failure, or the
        // hand-over below would never happen and the session's later sends would wait for ever
        CompletableFuture<Envelope> looked = lookup
                ? started(() -> mediaLookup.fill(user.userId(), checked.message()).subscribeAsCompletionStage())
                        .thenApply(checked::withMessage)
                : CompletableFuture.completedFuture(checked);
        if (checked.repliedTo() != null) {
            // a reply (v1.1): the quoted message is looked up in parallel and stamped into the record in full
            looked = looked.thenCombine(quote(checked), Envelope::withRepliedTo);
        }
        // the moderation hook (off by default) judges the message as it will be written, media fields filled
        CompletableFuture<Envelope> filled = contentCheck.hasHook() && ContentCheck.isChecked(checked.message().type())
                ? looked.thenCompose(envelope -> started(() -> contentCheck
                        .review(HookRequest.message(user.userId(), envelope.to(), envelope.message()))
                        .subscribeAsCompletionStage()).thenApply(allowed -> envelope))
                : looked;
        boolean check = mayRetryElsewhere && dedupeKey != null && retryChecks.tryAcquire();
        CompletableFuture<StoredMessage> firstWrite = !check
                ? CompletableFuture.completedFuture(null)
                : started(() -> history.sent(checked.conversationKey(), user.userId(), checked.clientMsgId())
                        .subscribeAsCompletionStage())
                        .exceptionally(unreachable -> null)
                        .whenComplete((stored, failure) -> retryChecks.release());
        // a send that waits for its turn continues on another task, not inside the previous send's completion: a
        // thousand sends queued behind one look-up would otherwise complete each other recursively, one stack frame set
        // per send, until the stack overflows
        CompletableFuture<StoredMessage> turn = previous.isDone() || turns == null
                ? previous.thenCompose(ready -> firstWrite)
                : previous.thenComposeAsync(ready -> firstWrite, turns);
        CompletableFuture<Ack> outcome = turn
                .thenCompose(stored -> filled.handle((envelope, failure) -> {
                    try {
                        if (failure != null) {
                            return notFilled(failure, requestId);
                        }
                        if (stored != null) {
                            deduplicated.increment();
                            return CompletableFuture.completedFuture(Ack.success(null, stored.messageId(),
                                    stored.orderKey(), stored.sentAt()));
                        }
                        byte[] json = JsonCodec.encodeBytes(envelope);
                        if (json.length > Limits.MESSAGE_JSON_MAX_BYTES) {
                            return refused(new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE, "a message is limited to "
                                    + Limits.MESSAGE_JSON_MAX_BYTES + " bytes of JSON"), requestId);
                        }
                        return produce(envelope, json, trace);
                    } finally {
                        handedOver.complete(null);
                    }
                })).thenCompose(ack -> ack);
        if (mine == null) {
            return answer(outcome, requestId, handedOver);
        }
        // the entry follows the real outcome of the write, not the client's patience: a retry after a timeout waits for
        // the first write instead of writing again; only a write that failed is forgotten, so it can be retried
        CompletableFuture<Ack> remembered = mine;
        outcome.whenComplete((ack, failure) -> {
            if (failure == null && ack.isSuccess()) {
                remember(dedupeKey, ack);
            }
            writing.remove(dedupeKey, remembered);
            remembered.complete(failure != null ? Ack.failed(requestId, ApiError.of(ErrorCode.INTERNAL, null)) : ack);
        });
        return answer(mine, requestId, handedOver);
    }

    /**
     * The quote of the message a reply names: it must be stored in the reply's conversation and not recalled (NOT_FOUND
     * otherwise; one sent just before is asked again by the lookup, as for a recall). A reply keeps the quote it was sent
     * with, whatever happens to the quoted message later.
     */
    private CompletableFuture<RepliedTo> quote(Envelope reply) {
        String messageId = reply.repliedTo().messageId();
        return started(() -> history.message(messageId)
                .onFailure(failure -> failure instanceof ProtocolException p && p.code() == ErrorCode.NOT_FOUND)
                .recoverWithNull().subscribeAsCompletionStage()).thenApply(stored -> {
                    if (stored == null || stored.revoked() || !reply.conversationKey().equals(stored.conversationKey())) {
                        throw new ProtocolException(ErrorCode.NOT_FOUND, "no message " + messageId + " in this conversation");
                    }
                    return stored.quote();
                });
    }

    /** The future {@code lookup} returns, or a failed one when it throws before returning one. */
    private static <T> CompletableFuture<T> started(Supplier<CompletableFuture<T>> lookup) {
        try {
            return lookup.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The ack of a message whose media lookup or content check failed. */
    private CompletableFuture<Ack> notFilled(Throwable failure, String requestId) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        if (cause instanceof ProtocolException e) {
            return refused(e, requestId);
        }
        LOG.warnf("media message not sent: %s", cause.toString());
        return CompletableFuture.completedFuture(Ack.failed(requestId, ApiError.of(ErrorCode.INTERNAL, null)));
    }

    private CompletableFuture<Ack> refused(ProtocolException e, String requestId) {
        refusedByCode.computeIfAbsent(e.code(), code -> metrics.counter("im.gateway.send.refused", "code", code.name()))
                .increment();
        return CompletableFuture.completedFuture(Ack.failed(requestId, e.toApiError()));
    }

    /** The ack for this request: the write's outcome, or UNAVAILABLE when Kafka takes longer than the produce timeout. */
    private CompletableFuture<Ack> answer(CompletableFuture<Ack> outcome, String requestId) {
        return answer(outcome, requestId, DONE);
    }

    /**
     * Like {@link #answer(CompletableFuture, String)}, with the produce timeout counted from {@code handedOver}: the time
     * a send waits for its turn behind the session's earlier sends, and for its own look-ups, is not Kafka's.
     */
    private CompletableFuture<Ack> answer(CompletableFuture<Ack> outcome, String requestId,
            CompletableFuture<Void> handedOver) {
        return handedOver
                .thenCompose(ready -> outcome.copy().completeOnTimeout(Ack.failed(null, ApiError.of(ErrorCode.UNAVAILABLE,
                        "Kafka did not acknowledge in time; retry with the same clientMsgId")),
                        config.produceTimeout().toMillis(),
                        TimeUnit.MILLISECONDS))
                .thenApply(ack -> withId(ack, requestId));
    }

    private Envelope check(UserPrincipal user, SendRequest request, Origin origin) {
        if (request == null || request.message() == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "send needs to and message");
        }
        MessageType type = request.message().type();
        MessageRules.checkAddressing(request.to(), type, request.mentions(), request.toUserIds(), request.clientMsgId());
        MessageRules.checkContent(request.message(), request.to().type());
        if (type == MessageType.TIPS) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "tips messages are generated by the server only");
        }
        requireParticipant(user, request.to(), origin);
        // past saturation, the lower classes are refused first; before the rate limit, so a refused send costs no token
        admission.admit(request.priority(), type);
        if (type != MessageType.BARRAGE && !rateLimiter.tryAcquire(user.userId())) {
            throw new ProtocolException(ErrorCode.RATE_LIMITED,
                    "at most " + config.sendRatePerSecond() + " messages per second");
        }
        contentCheck.requireCleanWords(request.message());
        RepliedTo repliedTo = null;
        if (request.repliedTo() != null) {
            if (type.messageClass() != MessageClass.RELIABLE) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "only stored messages can reply");
            }
            repliedTo = RepliedTo.of(MessageRules.requireMessageId(request.repliedTo().messageId()));
        }
        long now = System.currentTimeMillis();
        ConversationKey key = ConversationKey.of(user.userId(), request.to());
        return new Envelope(Envelope.VERSION, MessageIds.next(now), request.clientMsgId(), key.value(), request.to(),
                new Sender(user.userId(), user.userName()), now, request.priority(), request.mentions(),
                request.to().type() == ConversationType.ROOM ? request.toUserIds() : null, request.receipt(), origin,
                request.message(), null, repliedTo);
    }

    /**
     * Writes a recall or receipt in the conversation's order (reliable topic) and answers like a send: after Kafka has it.
     * The caller has checked what only it can (a recall's sender and window).
     */
    public CompletableFuture<Ack> act(UserPrincipal user, ConversationRef to, Action action, String requestId,
            Origin origin) {
        return act(user, to, action, requestId, origin, System.currentTimeMillis());
    }

    /**
     * Like {@link #act(UserPrincipal, ConversationRef, Action, String, Origin)}, stamped with {@code at}: a recall carries
     * the time its window was checked, so history, which checks it again from the record, decides the same way.
     */
    public CompletableFuture<Ack> act(UserPrincipal user, ConversationRef to, Action action, String requestId,
            Origin origin, long at) {
        Envelope envelope;
        byte[] json;
        try {
            MessageRules.checkAddressing(to, null, null, null, null);
            MessageRules.checkAction(action, null);
            requireParticipant(user, to, origin);
            envelope = new Envelope(Envelope.VERSION, MessageIds.next(at), null, ConversationKey.of(user.userId(), to).value(),
                    to, new Sender(user.userId(), user.userName()), at, null, null, null, null, origin, null, action);
            json = JsonCodec.encodeBytes(envelope);
            if (json.length > Limits.MESSAGE_JSON_MAX_BYTES) {
                // an edit carries a whole message's content
                throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                        "a record is limited to " + Limits.MESSAGE_JSON_MAX_BYTES + " bytes of JSON");
            }
        } catch (ProtocolException e) {
            return CompletableFuture.completedFuture(Ack.failed(requestId, e.toApiError()));
        }
        return answer(produce(envelope, json, Context.current()), requestId);
    }

    /** Peer: not oneself; group: a member; room: entered (by this session, or for REST by any of the user's sessions). */
    private void requireParticipant(UserPrincipal user, ConversationRef target, Origin origin) {
        String to = target.id();
        switch (target.type()) {
            case PEER -> {
                if (to.equals(user.userId())) {
                    throw new ProtocolException(ErrorCode.SEND_TO_SELF);
                }
            }
            case GROUP -> {
                if (!membership.isMember(to, user.userId())) {
                    throw new ProtocolException(ErrorCode.NOT_A_MEMBER, "not a member of group " + to);
                }
            }
            case ROOM -> {
                boolean entered = origin != null && sessions.byId(origin.sessionId()) != null
                        ? sessions.byId(origin.sessionId()).rooms().contains(to)
                        : sessions.hasEntered(user.userId(), to);
                if (!entered) {
                    throw new ProtocolException(ErrorCode.NOT_A_MEMBER, "enter room " + to + " before sending to it");
                }
            }
        }
    }

    /** Writes the record; completes with the ack once Kafka has it, or a failed ack when Kafka refuses it. */
    private CompletableFuture<Ack> produce(Envelope envelope, byte[] json, Context trace) {
        return publisher.publish(envelope, json, trace).handle((metadata, failure) -> {
            if (failure != null) {
                LOG.warnf("message %s not written: %s", envelope.messageId(), failure.toString());
                unavailable.increment();
                return Ack.failed(null, ApiError.of(ErrorCode.UNAVAILABLE,
                        "Kafka refused the write; retry with the same clientMsgId"));
            }
            (envelope.action() != null || envelope.message().type().messageClass() == MessageClass.RELIABLE
                    ? ackedReliable
                    : ackedFast).increment();
            return Ack.success(null, envelope.messageId(), metadata.offset(), envelope.timestamp());
        });
    }

    private static Ack withId(Ack ack, String requestId) {
        return new Ack(ack.op(), requestId, ack.status(), ack.messageId(), ack.orderKey(), ack.timestamp(), ack.error());
    }

    /**
     * Remembers what a retry of this acked send is answered with. An ack whose messageId is not a UUID in canonical form
     * (one history stored from a backend's record, say) is not remembered here: routing and history still drop a retry.
     */
    private void remember(DedupeKey key, Ack ack) {
        UUID messageId = MessageIds.canonicalUuid(ack.messageId());
        if (messageId != null) {
            acked.putIfAbsent(key, messageId.getMostSignificantBits(), messageId.getLeastSignificantBits(),
                    ack.orderKey() == null ? SendMemory.NONE : ack.orderKey(),
                    ack.timestamp() == null ? SendMemory.NONE : ack.timestamp());
        }
    }

    /** The ack this node gave the first send of this key, or null. */
    private Ack rememberedAck(DedupeKey key) {
        long[] values = acked.get(key);
        return values == null
                ? null
                : Ack.success(null, new UUID(values[0], values[1]).toString(),
                        values[2] == SendMemory.NONE ? null : values[2], values[3] == SendMemory.NONE ? null : values[3]);
    }
}
