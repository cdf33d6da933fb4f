package im.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import im.protocol.RecordHeaders;

class KafkaSenderTest {

    /** A producer that answers only when told, and counts flushes instead of answering them. */
    private static final class Producer extends MockProducer<String, byte[]> {
        final AtomicInteger flushes = new AtomicInteger();

        Producer() {
            super(false, null, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized void flush() {
            flushes.incrementAndGet();
        }
    }

    private static ProducerRecord<String, byte[]> record(String key) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>("t", 0, key, new byte[]{1});
        record.headers().add(RecordHeaders.TRACEPARENT, new byte[0]);
        return record;
    }

    @Test
    void aRecordHandedToAnIdleProducerIsFlushed_oneWhileOthersAwaitAnswersWaitsOutTheLinger() {
        Producer producer = new Producer();
        KafkaSender sender = new KafkaSender(producer, Tracing.propagationOnly(), "test-idle-flush", Duration.ZERO);
        try {
            CompletableFuture<RecordMetadata> first = sender.send(record("a"));
            await().atMost(Duration.ofSeconds(10)).until(() -> producer.flushes.get() == 1);
            // the first still awaits its answer: the next ones are batched by the linger, no flush
            CompletableFuture<RecordMetadata> second = sender.send(record("b"));
            CompletableFuture<RecordMetadata> third = sender.send(record("c"));
            assertThat(producer.completeNext()).isTrue();
            assertThat(producer.completeNext()).isTrue();
            assertThat(producer.completeNext()).isTrue();
            assertThat(first).isCompleted();
            assertThat(second).isCompleted();
            assertThat(third).isCompleted();
            assertThat(producer.flushes).hasValue(1);
            // everything answered: idle again
            sender.send(record("d"));
            await().atMost(Duration.ofSeconds(10)).until(() -> producer.flushes.get() == 2);
            // a failed answer counts as an answer too
            assertThat(producer.errorNext(new RuntimeException("broker gone"))).isTrue();
            sender.send(record("e"));
            await().atMost(Duration.ofSeconds(10)).until(() -> producer.flushes.get() == 3);
        } finally {
            sender.close();
        }
    }

    @Test
    void aRecordSoonAfterAnotherIsNotFlushed_evenWhenNothingIsInFlight() {
        Producer producer = new Producer();
        KafkaSender sender = new KafkaSender(producer, Tracing.propagationOnly(), "test-idle-flush", Duration.ofHours(1));
        try {
            // the first comes after a quiet gap (nothing before it): flushed
            sender.send(record("a"));
            await().atMost(Duration.ofSeconds(10)).until(() -> producer.flushes.get() == 1);
            assertThat(producer.completeNext()).isTrue();
            // nothing in flight, but the last hand-over was less than the gap ago: the linger batches it
            CompletableFuture<RecordMetadata> soon = sender.send(record("b"));
            assertThat(producer.completeNext()).isTrue();
            assertThat(soon).isCompleted();
            assertThat(producer.flushes).hasValue(1);
        } finally {
            sender.close();
        }
    }

    @Test
    void withoutAFlusher_nothingIsFlushed() {
        Producer producer = new Producer();
        KafkaSender sender = new KafkaSender(producer, Tracing.propagationOnly());
        CompletableFuture<RecordMetadata> sent = sender.send(record("a"));
        assertThat(sent).isNotDone();
        assertThat(producer.completeNext()).isTrue();
        assertThat(sent).isCompleted();
        assertThat(producer.flushes).hasValue(0);
        sender.close();
    }
}
