package im.routing.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedDeque;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;

import im.pipeline.Batch;
import im.pipeline.KafkaClients;
import im.pipeline.KafkaSender;
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
 * Consumes the three message topics in the {@code routing} group, one poll loop per topic (so a barrage flood never
 * queues reliable messages behind it), once the presence and membership tables are loaded. Each record is checked like a
 * request at the gateway (a backend may have produced it), deduplicated by sender and clientMsgId, stamped with its
 * orderKey (its offset) and the conversation's previous orderKey, and handed to the nodes that hold recipients. A record
 * that fails the checks is dead-lettered and the partition moves on; a poll is done (its offsets committable) once Kafka
 * has all its deliveries, and several polls may be on their way at once.
 */
@ApplicationScoped
public class MessageConsumer {

    /** The consumer group of every routing instance. */
    public static final String GROUP = "routing";

    @Inject
    Router router;

    @Inject
    TableConsumers tables;

    @Inject
    RoutingConfig config;

    @Inject
    MeterRegistry metrics;

    @Inject
    KafkaClients kafka;

    private KafkaSender deliveries;
    private final Map<MessageClass, Counter> routed = new EnumMap<>(MessageClass.class);
    private Counter deliveriesWritten;
    private Cache<String, Long> lastOrderKey;
    private Cache<String, Long> seenClientMsgIds;
    private Cache<String, ConcurrentLinkedDeque<ReceiptRequest>> receiptRequests;
    /** Per conversation, reader and kind: the orderKey up to which senders have been told. */
    private Cache<String, Long> receiptsReported;

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
                .expireAfterAccess(Duration.ofDays(1)).build();
        receiptsReported = Caffeine.newBuilder().maximumSize(config.maxTrackedConversations())
                .expireAfterAccess(Duration.ofDays(1)).build();
    }

    void start(@Observes StartupEvent event) {
        deliveries = kafka.producer("deliveries", Map.of("linger.ms", 1, "compression.type", "lz4"));
        // presence and membership first: routing earlier would find nobody online and silently drop online deliveries
        tables.loaded().thenRun(() -> {
            for (MessageClass messageClass : MessageClass.values()) {
                kafka.start(kafka.loop(messageClass.name().toLowerCase(java.util.Locale.ROOT))
                        .subscribe(GROUP, List.of(messageClass.topic())).maxInFlight(config.maxInFlightPolls())
                        .handler(batch -> route(batch, messageClass)));
            }
        });
    }

    /** Routes a poll: completes when Kafka has every delivery of it. */
    CompletionStage<?> route(Batch batch, MessageClass topicClass) {
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : batch.records()) {
            try {
                route(batch, record, topicClass, sends);
            } catch (ProtocolException e) {
                metrics.counter("im.routing.dead_lettered", "code", e.code().name()).increment();
                batch.deadLetter(record, e);
            }
        }
        return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new));
    }

    private void route(Batch batch, ConsumerRecord<String, byte[]> record, MessageClass topicClass,
            List<CompletableFuture<?>> sends) {
        Envelope envelope = check(batch, record, topicClass);
        ConversationKey key = ConversationKey.parse(envelope.conversationKey());
        long offset = record.offset();
        if (envelope.action() != null) {
            deliver(routeAction(envelope, key), sends);
            return;
        }
        if (topicClass != MessageClass.RELIABLE
                && System.currentTimeMillis() - envelope.timestamp() > config.onlineOnlyMaxAge().toMillis()) {
            // signal and barrage are online-only: a replayed old command must not reach today's sessions
            metrics.counter("im.routing.expired", "class", topicClass.name()).increment();
            return;
        }
        String stream = topicClass.name() + '\n' + key.value();
        if (isRetry(envelope, stream, offset)) {
            metrics.counter("im.routing.deduplicated").increment();
            return;
        }
        // a record seen again after a rebalance must not name itself, or a later record, as its predecessor
        Long before = lastOrderKey.getIfPresent(stream);
        Long previous = before != null && before < offset ? before : null;
        lastOrderKey.asMap().merge(stream, offset, Math::max);
        if (Boolean.TRUE.equals(envelope.receipt())) {
            ConcurrentLinkedDeque<ReceiptRequest> requests = receiptRequests.get(key.value(),
                    k -> new ConcurrentLinkedDeque<>());
            requests.add(new ReceiptRequest(offset, envelope.sender().id()));
            while (requests.size() > config.maxReceiptRequestsPerConversation()) {
                requests.pollFirst(); // bounded: the oldest requests give way
            }
        }
        List<Router.Target> targets = router.route(envelope, key,
                Router.Payload.of(envelope.toMessage().withOrder(offset, previous)));
        routed.get(topicClass).increment();
        deliver(targets, sends);
    }

    /** The contract's checks for a message record, whoever wrote it; a broken one is refused with its reason. */
    private static Envelope check(Batch batch, ConsumerRecord<String, byte[]> record, MessageClass topicClass) {
        if (record.value() == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "a message record needs a value");
        }
        Envelope envelope = JsonCodec.decode(record.value(), Envelope.class);
        ConversationKey key = MessageRules.checkEnvelope(envelope);
        MessageClass recordClass = envelope.action() != null
                ? MessageClass.RELIABLE
                : envelope.message().type().messageClass();
        if (recordClass != topicClass) {
            String what = envelope.action() != null
                    ? envelope.action().type() + " actions"
                    : envelope.message().type().wireName() + " messages";
            throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                    what + " belong on " + recordClass.topic() + ", not " + record.topic());
        }
        if (!key.value().equals(record.key())) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                    "record key " + record.key() + " is not the conversation key " + key.value());
        }
        if (!batch.isOnKeyPartition(record)) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "record written to partition " + record.partition()
                    + ", not its key's: a conversation's order is one partition's order");
        }
        return envelope;
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
        // every reader counts (a group has many): a reader's receipt covers the requests between the position it had
        // already reported and this one, so each sender hears of each reader once per message
        String reader = envelope.sender().id();
        String readerKey = key.value() + '\n' + reader + '\n' + action.kind();
        Long reported = receiptsReported.getIfPresent(readerKey);
        long from = reported == null ? Long.MIN_VALUE : reported;
        if (action.orderKey() <= from) {
            return List.of();
        }
        receiptsReported.asMap().merge(readerKey, action.orderKey(), Math::max);
        Set<String> senders = new TreeSet<>();
        for (ReceiptRequest request : requests) {
            if (request.orderKey() > from && request.orderKey() <= action.orderKey() && !request.senderId().equals(reader)) {
                senders.add(request.senderId());
            }
        }
        return senders.isEmpty()
                ? List.of()
                : router.toUsers(senders, envelope, new Router.Payload(null, null,
                        new Delivery.Receipt(action.orderKey(), envelope.sender().id(), action.kind())));
    }

    /** Hands the deliveries to the producer; the poll completes when Kafka has them all. */
    private void deliver(List<Router.Target> targets, List<CompletableFuture<?>> sends) {
        for (Router.Target target : targets) {
            sends.add(deliveries.send(new ProducerRecord<>(Topics.DELIVERIES, target.slot(), target.nodeId(),
                    JsonCodec.encodeBytes(target.delivery()))));
            deliveriesWritten.increment();
        }
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
}
