package im.pipeline;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The one "send and wait for Kafka" helper: a record through a plain producer, completed with its metadata once the
 * producer's acks are satisfied, or exceptionally (also when {@code send} itself throws, e.g. a full buffer).
 */
public final class KafkaSender {
    private final Producer<String, byte[]> producer;

    public KafkaSender(Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    public CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, failure) -> {
                if (failure == null) {
                    done.complete(metadata);
                } else {
                    done.completeExceptionally(failure);
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    /** The producer itself, for callers that batch their own callbacks. */
    public Producer<String, byte[]> producer() {
        return producer;
    }

    /** Sends everything buffered now instead of after the linger time. */
    public void flush() {
        producer.flush();
    }
}
