package im.gateway.messaging;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.StartupEvent;

import im.pipeline.KafkaClients;
import im.pipeline.KafkaSender;
import im.pipeline.Tracing;
import im.protocol.Envelope;
import im.protocol.MessageClass;
import im.protocol.RecordHeaders;
import im.protocol.Topics;

/**
 * Writes user messages to the topic of their class, keyed by conversation. Reliable messages go through the idempotent
 * acks=all producer; signal and barrage through a lighter acks=1 producer.
 */
@ApplicationScoped
public class MessagePublisher {
    private static final Logger LOG = Logger.getLogger(MessagePublisher.class);

    @Inject
    KafkaClients kafka;

    @Inject
    Tracing tracing;

    private KafkaSender reliable;
    private KafkaSender fast;

    void start(@Observes StartupEvent event) {
        reliable = kafka.producer("messages", Map.of("max.block.ms", 5_000));
        fast = kafka.producer("messages-fast", Map.of("acks", "1", "enable.idempotence", false, "max.block.ms", 5_000));
        // fetch the topics' metadata now, so no send on an event loop waits for it later
        try {
            reliable.producer().partitionsFor(Topics.MESSAGES_RELIABLE);
            fast.producer().partitionsFor(Topics.MESSAGES_SIGNAL);
            fast.producer().partitionsFor(Topics.MESSAGES_BARRAGE);
        } catch (RuntimeException e) {
            LOG.warnf("message topics' metadata not fetched yet (%s): the first sends will fetch it", e.toString());
        }
    }

    /**
     * Produces the envelope (its JSON already made) and completes with its partition offset once the broker has it. The
     * record carries the {@code traceparent} of a publish span under {@code trace} (the request that sent it).
     */
    public CompletableFuture<RecordMetadata> publish(Envelope envelope, byte[] json, Context trace) {
        MessageClass messageClass = envelope.action() != null
                ? MessageClass.RELIABLE
                : envelope.message().type().messageClass();
        String type = envelope.action() != null ? envelope.action().type() : envelope.message().type().wireName();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(messageClass.topic(), envelope.conversationKey(), json);
        record.headers().add(RecordHeaders.TYPE, type.getBytes(StandardCharsets.UTF_8));
        Span span = tracing.start("publish " + record.topic(), SpanKind.PRODUCER, trace);
        tracing.inject(span, record.headers());
        return (messageClass == MessageClass.RELIABLE ? reliable : fast).send(record, span);
    }
}
