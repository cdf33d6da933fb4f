package im.routing.messaging;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

import im.protocol.Action;
import im.protocol.ConversationKey;
import im.protocol.Delivery;
import im.protocol.Envelope;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MessageClass;
import im.protocol.MessageRules;
import im.protocol.ProtocolException;
import im.protocol.Topics;
import im.routing.config.RoutingConfig;

/**
 * Consumes the three message topics in the {@code routing} group. Each record is checked like a request at the gateway (a
 * backend may have produced it), deduplicated by sender and clientMsgId, stamped with its orderKey (its offset) and the
 * conversation's previous orderKey, and handed to the nodes that hold recipients. A record that fails the checks is nacked
 * with {@code im-error} headers and lands in {@code im.dlq}; the partition moves on.
 */
@ApplicationScoped
public class MessageConsumer {

    @Inject
    Router router;

    @Inject
    TableCatchUp tables;

    @Inject
    RoutingConfig config;

    @Inject
    MeterRegistry metrics;

    @Inject
    @Channel("deliveries-out")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 65536)
    Emitter<String> deliveries;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<MessageClass, Counter> routed = new EnumMap<>(MessageClass.class);
    private Counter deliveriesWritten;
    private Cache<String, Long> lastOrderKey;
    private Cache<String, Long> seenClientMsgIds;
    private Cache<String, ConcurrentLinkedDeque<ReceiptRequest>> receiptRequests;

    @PostConstruct
    void init() {
        for (MessageClass messageClass : MessageClass.values()) {
            routed.put(messageClass, metrics.counter("im.routing.routed", "class", messageClass.name()));
        }
        deliveriesWritten = metrics.counter("im.routing.deliveries");
        lastOrderKey = Caffeine.newBuilder().maximumSize(config.maxTrackedConversations()).build();
        seenClientMsgIds = Caffeine.newBuilder().maximumSize(config.maxTrackedConversations())
                .expireAfterWrite(config.dedupeWindow()).build();
        receiptRequests = Caffeine.newBuilder().maximumSize(config.maxTrackedConversations() / 10)
                .expireAfterAccess(java.time.Duration.ofDays(1)).build();
    }

    @Incoming("reliable")
    public CompletionStage<Void> reliable(Message<String> record) {
        return route(record, MessageClass.RELIABLE);
    }

    @Incoming("signal")
    public CompletionStage<Void> signal(Message<String> record) {
        return route(record, MessageClass.SIGNAL);
    }

    @Incoming("barrage")
    public CompletionStage<Void> barrage(Message<String> record) {
        return route(record, MessageClass.BARRAGE);
    }

    private CompletionStage<Void> route(Message<String> record, MessageClass topicClass) {
        if (!tables.isCaughtUp()) {
            // presence and membership are still loading: routing now would find nobody online
            return tables.caughtUp().thenCompose(v -> route(record, topicClass));
        }
        IncomingKafkaRecordMetadata<?, ?> meta = record.getMetadata(IncomingKafkaRecordMetadata.class).orElseThrow();
        Envelope envelope;
        ConversationKey key;
        try {
            envelope = JsonCodec.decode(record.getPayload(), Envelope.class);
            key = MessageRules.checkEnvelope(envelope);
            MessageClass recordClass = envelope.action() != null
                    ? MessageClass.RELIABLE
                    : envelope.message().type().messageClass();
            if (recordClass != topicClass) {
                String what = envelope.action() != null
                        ? envelope.action().type() + " actions"
                        : envelope.message().type().wireName() + " messages";
                throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                        what + " belong on " + recordClass.topic() + ", not " + meta.getTopic());
            }
            if (!key.value().equals(meta.getKey())) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                        "record key " + meta.getKey() + " is not the conversation key " + key.value());
            }
        } catch (ProtocolException e) {
            metrics.counter("im.routing.dead_lettered", "code", e.code().name()).increment();
            return deadLetter(record, e);
        }
        long offset = meta.getOffset();
        if (envelope.action() != null) {
            return deliver(record, routeAction(envelope, key));
        }
        if (topicClass != MessageClass.RELIABLE
                && System.currentTimeMillis() - envelope.timestamp() > config.onlineOnlyMaxAge().toMillis()) {
            // signal and barrage are online-only: a replayed old command must not reach today's sessions
            metrics.counter("im.routing.expired", "class", topicClass.name()).increment();
            return record.ack();
        }
        String stream = topicClass.name() + '\n' + key.value();
        if (isRetry(envelope, stream, offset)) {
            metrics.counter("im.routing.deduplicated").increment();
            return record.ack();
        }
        // a record seen again after a rebalance must not name itself, or a later record, as its predecessor
        Long before = lastOrderKey.getIfPresent(stream);
        Long previous = before != null && before < offset ? before : null;
        lastOrderKey.asMap().merge(stream, offset, Math::max);
        if (Boolean.TRUE.equals(envelope.receipt())) {
            receiptRequests.get(key.value(), k -> new ConcurrentLinkedDeque<>())
                    .add(new ReceiptRequest(offset, envelope.sender().id()));
        }
        List<Router.Target> targets = router.route(envelope, key,
                Router.Payload.of(envelope.toMessage().withOrder(offset, previous)));
        routed.get(topicClass).increment();
        return deliver(record, targets);
    }

    /** A message sent with {@code receipt: true}: its sender hears about receipts up to it. */
    private record ReceiptRequest(long orderKey, String senderId) {}

    /**
     * A recall goes to everybody who may have the message (like a message); a receipt goes to the senders of the messages
     * it covers that asked for receipts. Actions take no place in the orderKey chain: they are not messages.
     */
    private List<Router.Target> routeAction(Envelope envelope, ConversationKey key) {
        Action action = envelope.action();
        if (action.isRevoke()) {
            return router.route(envelope, key,
                    new Router.Payload(null, new Delivery.Revoked(action.messageId(), envelope.sender().id()), null));
        }
        ConcurrentLinkedDeque<ReceiptRequest> requests = receiptRequests.getIfPresent(key.value());
        if (requests == null) {
            return List.of();
        }
        Set<String> senders = new TreeSet<>();
        for (ReceiptRequest request : requests) {
            if (request.orderKey() <= action.orderKey() && !request.senderId().equals(envelope.sender().id())) {
                senders.add(request.senderId());
            }
        }
        if (Action.READ.equals(action.kind())) {
            requests.removeIf(r -> r.orderKey() <= action.orderKey() && !r.senderId().equals(envelope.sender().id()));
        }
        return senders.isEmpty()
                ? List.of()
                : router.toUsers(senders, envelope, new Router.Payload(null, null,
                        new Delivery.Receipt(action.orderKey(), envelope.sender().id(), action.kind())));
    }

    /**
     * Hands the deliveries to the producer and lets the next record in at once: the record is acked (its offset becomes
     * committable) when Kafka has every delivery, nacked into the DLQ if Kafka refuses one. The producer keeps the order of
     * deliveries per node partition, so pipelining changes no order; past {@code max-in-flight} records the channel waits.
     */
    private CompletionStage<Void> deliver(Message<String> record, List<Router.Target> targets) {
        if (targets.isEmpty()) {
            return record.ack();
        }
        CompletableFuture<?>[] sends = new CompletableFuture<?>[targets.size()];
        for (int i = 0; i < targets.size(); i++) {
            sends[i] = send(targets.get(i));
        }
        inFlight.incrementAndGet();
        CompletableFuture<Void> done = CompletableFuture.allOf(sends).handle((v, failure) -> {
            inFlight.decrementAndGet();
            return failure;
        }).thenCompose(failure -> failure == null ? record.ack() : record.nack(failure));
        return inFlight.get() > config.maxInFlight() ? done : CompletableFuture.completedFuture(null);
    }

    /** Whether the same sender already sent this clientMsgId in this conversation (a retry through any node). */
    private boolean isRetry(Envelope envelope, String stream, long offset) {
        if (envelope.clientMsgId() == null) {
            return false;
        }
        String dedupeKey = stream + '\n' + envelope.sender().id() + '\n' + envelope.clientMsgId();
        Long first = seenClientMsgIds.asMap().putIfAbsent(dedupeKey, offset);
        return first != null && first != offset;
    }

    private CompletableFuture<Void> send(Router.Target target) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Message<String> message = Message.of(JsonCodec.encode(target.delivery()))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(target.nodeId())
                        .withTopic(Topics.DELIVERIES).withPartition(target.slot()).build())
                .withAck(() -> {
                    done.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    done.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        deliveries.send(message);
        deliveriesWritten.increment();
        return done;
    }

    static CompletionStage<Void> deadLetter(Message<?> record, ProtocolException failure) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(im.protocol.RecordHeaders.ERROR, failure.code().name().getBytes(StandardCharsets.UTF_8));
        headers.add(im.protocol.RecordHeaders.ERROR_DETAIL, failure.getMessage().getBytes(StandardCharsets.UTF_8));
        return record.nack(failure, Metadata.of(OutgoingKafkaRecordMetadata.builder().withHeaders(headers).build()));
    }
}
