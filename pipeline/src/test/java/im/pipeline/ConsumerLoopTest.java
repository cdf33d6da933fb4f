package im.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;
import im.protocol.RecordHeaders;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.TopicProbe;

/** The failure policy on a real broker: dead letters, transient retries without leaving the group, splitting, order. */
class ConsumerLoopTest {
    private static EmbeddedKafka kafka;
    private static KafkaProducer<String, byte[]> producer;
    private static KafkaSender sender;
    private final List<ConsumerLoop> loops = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.shared();
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
                new StringSerializer(), new ByteArraySerializer());
        sender = new KafkaSender(producer, Tracing.propagationOnly());
    }

    @AfterAll
    static void closeProducer() {
        producer.close();
    }

    @AfterEach
    void closeLoops() {
        loops.forEach(ConsumerLoop::close);
    }

    private static String topic(int partitions) throws Exception {
        String name = "loop-test-" + UUID.randomUUID();
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return name;
    }

    private static void send(String topic, String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
    }

    private ConsumerLoop.Options options(String topic) {
        return new ConsumerLoop.Options("test-" + topic).config(Map.of("bootstrap.servers", kafka.bootstrapServers()))
                .subscribe("group-" + topic, List.of(topic)).deadLetters(new DeadLetters(sender, "test"))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(400));
    }

    private ConsumerLoop start(ConsumerLoop.Options options) {
        ConsumerLoop loop = options.build().start();
        loops.add(loop);
        return loop;
    }

    private static String text(ConsumerRecord<String, byte[]> record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<String, String> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void everyRecord_isTimedFromItsTimestampToItsHandOver_andEveryPollUntilItsWritesAreDone() throws Exception {
        String topic = topic(1);
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        CompletableFuture<Void> written = new CompletableFuture<>();
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        try {
            start(options(topic).metrics(metrics).handler(batch -> {
                // the poll's writes are acknowledged 300 ms after its hand-over
                later.schedule(() -> written.complete(null), 300, TimeUnit.MILLISECONDS);
                return written;
            }));
            long produced = System.currentTimeMillis();
            // a record that waited 2 s between its producer and the loop
            producer.send(new ProducerRecord<>(topic, null, produced - 2_000, "k", new byte[]{1})).get(10, TimeUnit.SECONDS);

            Timer age = metrics.get("im.pipeline.record.age").tag("loop", "test-" + topic).timer();
            Timer batchTime = metrics.get("im.pipeline.batch.time").tag("loop", "test-" + topic).timer();
            await().atMost(Duration.ofSeconds(30)).until(() -> batchTime.count() == 1);
            assertThat(age.count()).isEqualTo(1);
            assertThat(age.totalTime(TimeUnit.MILLISECONDS)).isBetween(2_000.0,
                    2_000.0 + System.currentTimeMillis() - produced);
            assertThat(batchTime.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(300.0);
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void aPollThatFindsNothing_isReported_aLoopWaitingForItsBatchesIsNotIdle_andAFailingCallbackStopsNothing()
            throws Exception {
        String topic = topic(1);
        AtomicInteger idle = new AtomicInteger();
        List<String> handled = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> written = new CompletableFuture<>();
        start(options(topic).pollTimeout(Duration.ofMillis(50)).handler(batch -> {
            batch.records().forEach(record -> handled.add(text(record)));
            return written;
        }).onIdle(() -> {
            idle.incrementAndGet();
            throw new IllegalStateException("a callback that fails");
        }));
        await().atMost(Duration.ofSeconds(30)).until(() -> idle.get() >= 3);
        send(topic, "k", "one");
        await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 1);
        // one batch in flight of at most one: the loop waits for it and does not poll
        int whileWaiting = idle.get();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> idle.get() <= whileWaiting + 1);
        written.complete(null);
        await().atMost(Duration.ofSeconds(30)).until(() -> idle.get() > whileWaiting + 1);
        send(topic, "k", "two");
        await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 2);
    }

    @Test
    void poisonRecord_isDeadLettered_andTheNextRecordOnThePartitionIsProcessed() throws Exception {
        String topic = topic(1);
        List<String> processed = new CopyOnWriteArrayList<>();
        try (TopicProbe dlq = TopicProbe.fromEnd(kafka.bootstrapServers(), Topics.DLQ)) {
            start(options(topic).handler(batch -> {
                for (ConsumerRecord<String, byte[]> record : batch.records()) {
                    if (text(record).startsWith("bad")) {
                        batch.deadLetter(record, new ProtocolException(ErrorCode.INVALID_REQUEST, "bad record"));
                    } else {
                        processed.add(text(record));
                    }
                }
                return null;
            }));
            send(topic, "k", "good-1");
            send(topic, "k", "bad-1");
            send(topic, "k", "good-2");

            await().atMost(Duration.ofSeconds(30)).until(() -> processed.size() == 2);
            assertThat(processed).containsExactly("good-1", "good-2");
            ConsumerRecord<String, String> dead = dlq.await(r -> topic.equals(header(r, RecordHeaders.ORIGIN_TOPIC)));
            assertThat(dead.key()).isEqualTo("k");
            assertThat(dead.value()).isEqualTo("bad-1");
            assertThat(header(dead, RecordHeaders.ERROR)).isEqualTo("INVALID_REQUEST");
            assertThat(header(dead, RecordHeaders.ERROR_DETAIL)).isEqualTo("bad record");
            assertThat(header(dead, RecordHeaders.ORIGIN_PARTITION)).isEqualTo("0");
            assertThat(header(dead, RecordHeaders.ORIGIN_OFFSET)).isEqualTo("1");
            assertThat(header(dead, RecordHeaders.DEAD_LETTERED_BY)).isEqualTo("test");
        }
    }

    @Test
    void failingRecord_isIsolatedBySplitting_andOnlyItIsDeadLettered() throws Exception {
        String topic = topic(1);
        Set<String> stored = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 20; i++) {
            send(topic, "k", i == 13 ? "explodes" : "m" + i);
        }
        try (TopicProbe dlq = TopicProbe.fromEnd(kafka.bootstrapServers(), Topics.DLQ)) {
            start(options(topic).config("max.poll.records", 50).handler(batch -> {
                // like a database transaction: all of the batch or nothing
                if (batch.records().stream().anyMatch(r -> text(r).equals("explodes"))) {
                    throw new IllegalStateException("constraint violated");
                }
                batch.records().forEach(r -> stored.add(text(r)));
                return null;
            }));

            await().atMost(Duration.ofSeconds(30)).until(() -> stored.size() == 19);
            ConsumerRecord<String, String> dead = dlq.await(r -> topic.equals(header(r, RecordHeaders.ORIGIN_TOPIC)));
            assertThat(dead.value()).isEqualTo("explodes");
            assertThat(header(dead, RecordHeaders.ERROR)).isEqualTo("INTERNAL");
            assertThat(header(dead, RecordHeaders.ERROR_DETAIL)).contains("constraint violated");
            assertThat(header(dead, RecordHeaders.ORIGIN_OFFSET)).isEqualTo("13");
        }
    }

    @Test
    void transientFailure_isRetried_forLongerThanThePollInterval_withoutLeavingTheGroup() throws Exception {
        String topic = topic(2);
        AtomicBoolean dependencyUp = new AtomicBoolean(false);
        AtomicInteger attempts = new AtomicInteger();
        Map<String, Integer> storedTimes = new ConcurrentHashMap<>();
        ConsumerLoop loop = start(options(topic).config("max.poll.interval.ms", 2_000).config("session.timeout.ms", 6_000)
                .handler(batch -> {
                    attempts.incrementAndGet();
                    if (!dependencyUp.get()) {
                        throw new SQLTransientConnectionException("database unavailable");
                    }
                    batch.records().forEach(r -> storedTimes.merge(text(r), 1, Integer::sum));
                    return null;
                }));
        for (int i = 0; i < 10; i++) {
            send(topic, "k" + i, "m" + i);
        }
        long outageStart = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> loop.state() == ConsumerLoop.State.RETRYING);
        assertThat(loop.isReady()).isFalse();
        assertThat(loop.detail()).contains("database unavailable");
        // the outage outlasts max.poll.interval.ms: a consumer that stopped polling would have been thrown out
        await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() - outageStart > TimeUnit.SECONDS.toNanos(4)
                && attempts.get() >= 8);
        dependencyUp.set(true);

        await().atMost(Duration.ofSeconds(30)).until(() -> storedTimes.size() == 10);
        await().atMost(Duration.ofSeconds(10)).until(loop::isReady);
        send(topic, "k0", "after");
        await().atMost(Duration.ofSeconds(30)).until(() -> storedTimes.containsKey("after"));
        assertThat(storedTimes.values()).as("each record stored once: the member never left, nothing was re-read")
                .allMatch(times -> times == 1);
        assertThat(loop.assignments()).as("one assignment: no rebalance during the outage").isEqualTo(1);
    }

    @Test
    void asynchronousBatches_completeInOrder_andAFailedOneIsRedone() throws Exception {
        String topic = topic(1);
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        List<String> completed = new CopyOnWriteArrayList<>();
        AtomicBoolean failOnce = new AtomicBoolean(true);
        try {
            start(options(topic).maxInFlight(4).config("max.poll.records", 3).handler(batch -> {
                CompletableFuture<Void> done = new CompletableFuture<>();
                later.schedule(() -> {
                    if (batch.records().stream().anyMatch(r -> text(r).equals("m5")) && failOnce.getAndSet(false)) {
                        done.completeExceptionally(new TimeoutException("broker slow"));
                    } else {
                        batch.records().forEach(r -> completed.add(text(r)));
                        done.complete(null);
                    }
                }, 20, TimeUnit.MILLISECONDS);
                return done;
            }));
            for (int i = 0; i < 12; i++) {
                send(topic, "k", "m" + i);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> completed.containsAll(
                    List.of("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "m11")));
            assertThat(completed.stream().filter("m5"::equals)).as("the failed batch is done once it succeeds").hasSize(1);
            assertThat(completed.indexOf("m5")).isLessThan(completed.lastIndexOf("m6"));
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void catchUpLoop_isReadyOnlyAfterReadingWhatWasThereAtStart() throws Exception {
        String topic = topic(2);
        for (int i = 0; i < 50; i++) {
            send(topic, "k" + i, "v" + i);
        }
        AtomicBoolean slow = new AtomicBoolean(true);
        AtomicInteger seen = new AtomicInteger();
        ConsumerLoop loop = start(new ConsumerLoop.Options("table-" + topic)
                .config(Map.of("bootstrap.servers", kafka.bootstrapServers(), "max.poll.records", 5))
                .assign(List.of(topic), ConsumerLoop.Start.EARLIEST).catchUp()
                .deadLetters(new DeadLetters(sender, "test")).handler(batch -> {
                    if (slow.get() && seen.get() >= 20) {
                        throw new Failures.Transient("hold on", null);
                    }
                    seen.addAndGet(batch.size());
                    return null;
                }));

        await().atMost(Duration.ofSeconds(30)).until(() -> seen.get() >= 20);
        assertThat(loop.isReady()).isFalse();
        assertThat(loop.caughtUp()).isNotDone();
        slow.set(false);
        await().atMost(Duration.ofSeconds(30)).until(loop::isReady);
        assertThat(seen.get()).isEqualTo(50);
        assertThat(loop.caughtUp()).isDone();
    }
}
