package im.routing.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.quarkus.runtime.StartupEvent;

import im.pipeline.Batch;
import im.pipeline.KafkaClients;
import im.pipeline.KafkaSender;
import im.pipeline.PartitionReader;
import im.pipeline.Tracing;
import im.protocol.Action;
import im.protocol.ConversationKey;
import im.protocol.Delivery;
import im.protocol.Envelope;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MessageClass;
import im.protocol.MessageRules;
import im.protocol.ProtocolException;
import im.protocol.RecordHeaders;
import im.protocol.Topics;
import im.routing.config.RoutingConfig;
import im.routing.route.ConversationState;
import im.routing.route.Router;

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
    private static final Logger LOG = Logger.getLogger(MessageConsumer.class);

    /** The consumer group of every routing instance. */
    public static final String GROUP = "routing";
    /** The producer of deliveries (and replays) and its settings. */
    static final String DELIVERIES = "deliveries";
    static Map<String, Object> deliveriesSettings(RoutingConfig config) {
        return Map.of("linger.ms", (int) config.deliveriesLinger().toMillis(), "compression.type",
                config.deliveriesCompression());
    }

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

    @Inject
    Tracing tracing;

    private KafkaSender deliveries;
    private final Map<MessageClass, Counter> routed = new EnumMap<>(MessageClass.class);
    private Counter deliveriesWritten;
    private ConversationState state;

    @PostConstruct
    void init() {
        for (MessageClass messageClass : MessageClass.values()) {
            routed.put(messageClass, metrics.counter("im.routing.routed", "class", messageClass.name()));
        }
        deliveriesWritten = metrics.counter("im.routing.deliveries");
        state = new ConversationState(config);
    }

    void start(@Observes StartupEvent event) {
        deliveries = kafka.producer(DELIVERIES, deliveriesSettings(config));
        // presence and membership first: routing earlier would find nobody online and silently drop online deliveries
        tables.loaded().thenRun(() -> {
            for (MessageClass messageClass : MessageClass.values()) {
                String name = messageClass.name().toLowerCase(Locale.ROOT);
                for (int i = 1; i <= config.loopsPerTopic(); i++) {
                    kafka.start(kafka.loop(i == 1 ? name : name + "-" + i).deadLetters(kafka.deadLetters(name))
                            .subscribe(GROUP, List.of(messageClass.topic())).maxInFlight(config.maxInFlightPolls())
                            .onAssigned(positions -> rebuild(positions, messageClass))
                            .handler(batch -> route(batch, messageClass)));
                }
            }
        });
    }

    /**
     * Reads back the tail of each partition taken over (up to {@code rebuild-tail-records} before where this consumer
     * starts) into the conversation state: prevOrderKey chains, dedupe and receipt requests survive restarts and
     * rebalances.
     */
    private void rebuild(Map<TopicPartition, Long> positions, MessageClass topicClass) {
        positions.forEach((partition, position) -> {
            long from = Math.max(0, position - config.rebuildTailRecords());
            int read = PartitionReader.read(kafka.config(), partition, from, position, Duration.ofSeconds(30), record -> {
                try {
                    Envelope envelope = JsonCodec.decode(record.value(), Envelope.class);
                    MessageRules.checkEnvelope(envelope);
                    state.apply(topicClass.name() + '\n' + envelope.conversationKey(), envelope, record.offset());
                } catch (ProtocolException | NullPointerException e) {
                    // a broken record was dead-lettered when it was routed: it left no state
                }
            });
            if (read > 0) {
                LOG.infof("%s: state rebuilt from %d records before offset %d", partition, read, position);
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
        // the trace goes on: each delivery of this record carries the routing span's traceparent
        Span span = tracing.start("route " + record.topic(), SpanKind.CONSUMER, tracing.extract(record.headers()));
        try {
            route(batch, record, topicClass, sends, span);
        } finally {
            span.end();
        }
    }

    private void route(Batch batch, ConsumerRecord<String, byte[]> record, MessageClass topicClass,
            List<CompletableFuture<?>> sends, Span span) {
        Envelope envelope = check(batch, record, topicClass);
        ConversationKey key = ConversationKey.parse(envelope.conversationKey());
        long offset = record.offset();
        if (envelope.action() != null) {
            deliver(routeAction(envelope, key), sends, span);
            return;
        }
        if (topicClass != MessageClass.RELIABLE
                && System.currentTimeMillis() - envelope.timestamp() > config.onlineOnlyMaxAge().toMillis()) {
            // signal and barrage are online-only: a replayed old command must not reach today's sessions
            metrics.counter("im.routing.expired", "class", topicClass.name()).increment();
            return;
        }
        String stream = topicClass.name() + '\n' + key.value();
        if (state.isRetry(envelope, stream, offset)) {
            metrics.counter("im.routing.deduplicated").increment();
            return;
        }
        Long previous = state.advance(stream, offset);
        if (Boolean.TRUE.equals(envelope.receipt())) {
            state.requestReceipts(key.value(), offset, envelope.sender().id());
        }
        List<Router.Target> targets = router.route(envelope, key,
                Router.Payload.of(envelope.toMessage().withOrder(offset, previous)));
        routed.get(topicClass).increment();
        deliver(targets, sends, span);
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
        batch.requireConversationPlacement(record, key);
        return envelope;
    }

    /**
     * A recall goes to everybody who may have the message (like a message); a receipt goes to the senders of the messages
     * it covers that asked for receipts; a conversationChanged (history's, v1.1) to every session of each user it names;
     * a reactionsChanged or messageEdited (history's, v1.1) to the conversation's participants like a recall, while the
     * react and edit that caused them are history's alone. Actions take no place in the orderKey chain: they are not
     * messages.
     */
    private List<Router.Target> routeAction(Envelope envelope, ConversationKey key) {
        Action action = envelope.action();
        if (action.isRevoke()) {
            return router.route(envelope, key,
                    new Router.Payload(null, new Delivery.Revoked(action.messageId(), envelope.sender().id()), null));
        }
        if (action.isConversationChanged()) {
            return router.conversationChanged(envelope, action.changed());
        }
        if (action.isReactionsChanged()) {
            return router.route(envelope, key, new Router.Payload(null, null, null,
                    new Delivery.ReactionsChanged(action.messageId(), action.reactions()), null));
        }
        if (action.isMessageEdited()) {
            return router.route(envelope, key, new Router.Payload(null, null, null, null, action.message()));
        }
        if (action.isReact() || action.isEdit()) {
            return List.of(); // v1.1: history applies them and writes what participants now see, which is routed then
        }
        Set<String> senders = state.receiptSenders(key.value(), envelope.sender().id(), action);
        return senders.isEmpty()
                ? List.of()
                : router.toUsers(senders, envelope, new Router.Payload(null, null,
                        new Delivery.Receipt(action.orderKey(), envelope.sender().id(), action.kind())));
    }

    /** Hands the deliveries to the producer; the poll completes when Kafka has them all. */
    private void deliver(List<Router.Target> targets, List<CompletableFuture<?>> sends, Span span) {
        if (targets.isEmpty()) {
            return;
        }
        String messageJson = DeliveryJson.message(targets.get(0).delivery());
        byte[] traceparent = tracing.traceparent(span);
        for (Router.Target target : targets) {
            ProducerRecord<String, byte[]> delivery = new ProducerRecord<>(Topics.DELIVERIES, target.slot(),
                    target.nodeId(), DeliveryJson.write(target.delivery(), messageJson));
            delivery.headers().add(RecordHeaders.TRACEPARENT, traceparent);
            sends.add(deliveries.send(delivery));
            deliveriesWritten.increment();
        }
    }
}
