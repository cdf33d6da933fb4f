package im.history.messaging;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;

import im.pipeline.KafkaClients;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.RecordHeaders;
import im.protocol.Topics;

/**
 * Writes what participants must now see of a message after history applied a reaction or an edit (v1.1
 * {@code reactionsChanged}, {@code messageEdited}) to {@code im.messages.reliable}, keyed by the conversation so routing
 * delivers it in the conversation's order. Through the reliable producer (acks=all, idempotent); the batch that applied
 * them completes only once Kafka has them, so its offsets are not committed before: a failure retries the batch, which
 * yields the same events again (applying is idempotent).
 */
@ApplicationScoped
public class FeatureEvents {

    @Inject
    KafkaClients kafka;

    /**
     * Completes when every record is acknowledged. Each continues the trace of the react or edit that caused it
     * ({@code traceparents} by the messageId it concerns; none: a new trace).
     */
    public CompletableFuture<Void> publish(List<Envelope> events, Map<String, byte[]> traceparents) {
        CompletableFuture<?>[] sends = events.stream().map(event -> {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.MESSAGES_RELIABLE, event.conversationKey(),
                    JsonCodec.encodeBytes(event));
            record.headers().add(RecordHeaders.TYPE, event.action().type().getBytes(StandardCharsets.UTF_8));
            byte[] traceparent = traceparents.get(event.action().messageId());
            if (traceparent != null) {
                record.headers().add(RecordHeaders.TRACEPARENT, traceparent);
            }
            return kafka.reliable().send(record);
        }).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(sends);
    }
}
