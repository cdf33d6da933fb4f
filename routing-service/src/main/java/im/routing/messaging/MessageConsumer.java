package im.routing.messaging;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

import im.protocol.ConversationKey;
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

    private Cache<String, Long> lastOrderKey;
    private Cache<String, Long> seenClientMsgIds;

    @PostConstruct
    void init() {
        lastOrderKey = Caffeine.newBuilder().maximumSize(config.maxTrackedConversations()).build();
        seenClientMsgIds = Caffeine.newBuilder().maximumSize(config.maxTrackedConversations())
                .expireAfterWrite(config.dedupeWindow()).build();
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
            if (envelope.message().type().messageClass() != topicClass) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                        envelope.message().type().wireName() + " messages belong on " + envelope.message().type().messageClass()
                                .topic() + ", not " + meta.getTopic());
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
        List<Router.Target> targets = router.route(envelope, key, envelope.toMessage().withOrder(offset, previous));
        metrics.counter("im.routing.routed", "class", topicClass.name()).increment();
        if (targets.isEmpty()) {
            return record.ack();
        }
        CompletableFuture<?>[] sends = new CompletableFuture<?>[targets.size()];
        for (int i = 0; i < targets.size(); i++) {
            sends[i] = send(targets.get(i));
        }
        return CompletableFuture.allOf(sends).thenCompose(v -> record.ack());
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
        metrics.counter("im.routing.deliveries").increment();
        return done;
    }

    static CompletionStage<Void> deadLetter(Message<?> record, ProtocolException failure) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(im.protocol.RecordHeaders.ERROR, failure.code().name().getBytes(StandardCharsets.UTF_8));
        headers.add(im.protocol.RecordHeaders.ERROR_DETAIL, failure.getMessage().getBytes(StandardCharsets.UTF_8));
        return record.nack(failure, Metadata.of(OutgoingKafkaRecordMetadata.builder().withHeaders(headers).build()));
    }
}
