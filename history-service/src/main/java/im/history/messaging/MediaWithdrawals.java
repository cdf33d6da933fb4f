package im.history.messaging;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;

import im.pipeline.KafkaClients;
import im.protocol.JsonCodec;
import im.protocol.MediaWithdrawn;
import im.protocol.RecordHeaders;
import im.protocol.Topics;

/**
 * Tells media-service that a recalled message's upload is withdrawn: one {@code im.media} record per upload (key =
 * mediaId, so it follows the upload's own record), through the reliable producer (acks=all, idempotent). The batch that
 * applied the recall completes only once Kafka has them, so its offsets are not committed before: a failure retries the
 * batch, which gives the same withdrawals again.
 */
@ApplicationScoped
public class MediaWithdrawals {

    @Inject
    KafkaClients kafka;

    /**
     * Completes when every record is acknowledged; fails (for the consumer's failure policy) otherwise. Each continues the
     * trace of its recall ({@code traceparents} by the recalled messageId; none: a new trace).
     */
    public CompletableFuture<Void> publish(List<MediaWithdrawn> withdrawals, Map<String, byte[]> traceparents) {
        CompletableFuture<?>[] sends = withdrawals.stream().map(withdrawn -> {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.MEDIA, withdrawn.mediaId(),
                    JsonCodec.encodeBytes(withdrawn));
            record.headers().add(RecordHeaders.TYPE, MediaWithdrawn.EVENT.getBytes(StandardCharsets.UTF_8));
            byte[] traceparent = traceparents.get(withdrawn.messageId());
            if (traceparent != null) {
                record.headers().add(RecordHeaders.TRACEPARENT, traceparent);
            }
            return kafka.reliable().send(record);
        }).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(sends);
    }
}
