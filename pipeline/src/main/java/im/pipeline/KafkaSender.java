package im.pipeline;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;

import im.protocol.RecordHeaders;

/**
 * The one "send and wait for Kafka" helper: a record through a plain producer, completed with its metadata once the
 * producer's acks are satisfied, or exceptionally (also when {@code send} itself throws, e.g. a full buffer). A record
 * without {@code traceparent} gets one here: a publish span under the current context ({@link Tracing}).
 */
public final class KafkaSender {
    private final Producer<String, byte[]> producer;
    private final Tracing tracing;

    public KafkaSender(Producer<String, byte[]> producer, Tracing tracing) {
        this.producer = producer;
        this.tracing = tracing;
    }

    /** Sends the record; one that carries no {@code traceparent} is published in a span under the current context. */
    public CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        if (record.headers().lastHeader(RecordHeaders.TRACEPARENT) != null) {
            return send(record, null);
        }
        Span span = tracing.start("publish " + record.topic(), SpanKind.PRODUCER, Context.current());
        tracing.inject(span, record.headers());
        return send(record, span);
    }

    /**
     * Sends a record whose {@code traceparent} the caller wrote from {@code span} ({@link Tracing#inject}); the span ends
     * when Kafka answers (null: no span to end).
     */
    public CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record, Span span) {
        CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, failure) -> {
                if (span != null) {
                    if (failure != null) {
                        span.recordException(failure);
                    }
                    span.end();
                }
                if (failure == null) {
                    done.complete(metadata);
                } else {
                    done.completeExceptionally(failure);
                }
            });
        } catch (RuntimeException e) {
            if (span != null) {
                span.end();
            }
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
