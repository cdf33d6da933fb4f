package im.pipeline;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 *
 * <p><b>Sent at once when idle</b> (unless built without): a record handed over after a quiet gap (none for
 * {@code quietGap}, and none of this producer's records awaiting Kafka's answer) is sent at once instead of after
 * {@code linger.ms} (a flush on the sender's own thread, so the caller never blocks), like TCP's Nagle rule: one
 * message at a time does not wait out the linger at each hop, while under load, when records come closer together
 * than the gap, they are batched by the linger as before. Without the gap, flushing whenever nothing was in flight
 * cost 13 % more CPU per message at 2,000/s (docs/benchmarks.md).
 */
public final class KafkaSender {
    private final Producer<String, byte[]> producer;
    private final Tracing tracing;
    /** Null when records always wait out the linger. */
    private final ExecutorService flusher;
    private final long quietGapNanos;
    private final AtomicInteger unanswered = new AtomicInteger();
    private final AtomicLong lastHandOver = new AtomicLong(System.nanoTime() - Long.MAX_VALUE / 2);
    private final AtomicBoolean flushQueued = new AtomicBoolean();

    /** A sender whose records always wait out the linger. */
    public KafkaSender(Producer<String, byte[]> producer, Tracing tracing) {
        this(producer, tracing, null, Duration.ZERO);
    }

    /**
     * @param idleFlusherName the name of the thread that sends a record handed over while the producer is idle at once,
     *        or null to let every record wait out the linger
     * @param quietGap how long no record was handed over before one counts as coming to an idle producer
     */
    public KafkaSender(Producer<String, byte[]> producer, Tracing tracing, String idleFlusherName, Duration quietGap) {
        this.producer = producer;
        this.tracing = tracing;
        this.quietGapNanos = quietGap.toNanos();
        this.flusher = idleFlusherName == null ? null : Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, idleFlusherName);
            thread.setDaemon(true);
            return thread;
        });
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
        long now = System.nanoTime();
        boolean idle = now - lastHandOver.getAndSet(now) >= quietGapNanos & unanswered.getAndIncrement() == 0;
        try {
            producer.send(record, (metadata, failure) -> {
                unanswered.decrementAndGet();
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
            unanswered.decrementAndGet();
            if (span != null) {
                span.end();
            }
            done.completeExceptionally(e);
            return done;
        }
        if (idle && flusher != null && flushQueued.compareAndSet(false, true)) {
            flushSoon();
        }
        return done;
    }

    /** Ends the linger of what is buffered now, on the flusher thread (flush blocks until Kafka answers). */
    private void flushSoon() {
        try {
            flusher.execute(() -> {
                flushQueued.set(false);
                try {
                    producer.flush();
                } catch (RuntimeException e) {
                    // closed or interrupted: the records still go (or fail their callers) as the producer decides
                }
            });
        } catch (RuntimeException e) {
            flushQueued.set(false); // shut down: the producer is closing
        }
    }

    /** Stops the flusher thread (the producer itself is closed by its owner). */
    public void close() {
        if (flusher != null) {
            flusher.shutdownNow();
        }
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
