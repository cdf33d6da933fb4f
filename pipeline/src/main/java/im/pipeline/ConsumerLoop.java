package im.pipeline;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;

import im.protocol.ProtocolException;

/**
 * A plain Kafka poll loop on a thread of its own, with the one failure policy of every consumer of the system:
 * <ul>
 * <li>the handler gets each poll as a {@link Batch}; records it cannot accept it {@linkplain Batch#deadLetter
 * dead-letters} and the partition moves on;</li>
 * <li>a <em>transient</em> failure ({@link Failures#isTransient}) retries the same records with exponential backoff for
 * as long as it lasts; the consumer stays in its group (its partitions are paused and it keeps polling), readiness says
 * {@link State#RETRYING}, and work resumes by itself;</li>
 * <li>any other failure splits the batch in halves until the record that fails alone is dead-lettered with the
 * failure's code, so one bad record never holds good ones back;</li>
 * <li>no exception escapes: unexpected ones are handled like failures of the batch.</li>
 * </ul>
 * Offsets are committed (group consumers only) once a batch and every batch before it are done, asynchronously as work
 * completes and synchronously on rebalance and close: at-least-once, so handlers must be idempotent for records they see
 * again. A handler may complete its batch asynchronously (e.g. when produced records are acknowledged); up to
 * {@code maxInFlight} batches are then in progress at once, in order.
 */
public final class ConsumerLoop implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConsumerLoop.class);
    private static final Duration AWAIT_SLICE = Duration.ofMillis(500);

    /** Where a loop stands, for readiness. */
    public enum State {
        /** Not yet reading: joining the group, or assigning and seeking. */
        STARTING,
        /** Reading toward the end offsets it saw at start (tables): not ready yet. */
        CATCHING_UP,
        RUNNING,
        /** A dependency failed; the same records are retried with backoff. */
        RETRYING,
        STOPPED
    }

    /** Where an assigning loop starts reading. */
    public enum Start {
        EARLIEST,
        LATEST
    }

    /** What a loop does with a batch. Returning completes the batch when the stage completes. */
    @FunctionalInterface
    public interface Handler {
        CompletionStage<?> handle(Batch batch) throws Exception;
    }

    /** A loop's settings; see {@link KafkaClients#loop(String)}. */
    public static final class Options {
        private final String name;
        private final Map<String, Object> consumerConfig = new HashMap<>();
        private Collection<String> subscribe;
        private Collection<String> assignTopics;
        private Collection<TopicPartition> assignPartitions;
        private Start start = Start.EARLIEST;
        private boolean catchUp;
        private Handler handler;
        private DeadLetters deadLetters;
        private MeterRegistry metrics;
        private int maxInFlight = 1;
        private Duration minBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private Duration pollTimeout = Duration.ofMillis(500);
        private Duration commitInterval = Duration.ofMillis(200);
        /** Null: nobody asked, and a rebalance looks up no positions (a blocking call inside the callback). */
        private Consumer<Map<TopicPartition, Long>> onAssigned;
        private Runnable onIdle;

        public Options(String name) {
            this.name = Objects.requireNonNull(name);
        }

        /** Kafka consumer settings (bootstrap servers, deserializers and the like). */
        public Options config(Map<String, Object> config) {
            consumerConfig.putAll(config);
            return this;
        }

        public Options config(String key, Object value) {
            consumerConfig.put(key, value);
            return this;
        }

        /** Reads these topics as a member of consumer group {@code groupId}, committing offsets. */
        public Options subscribe(String groupId, Collection<String> topics) {
            consumerConfig.put("group.id", groupId);
            this.subscribe = List.copyOf(topics);
            return this;
        }

        /** Reads every partition of these topics without a group (a table, a broadcast) from {@code start}. */
        public Options assign(Collection<String> topics, Start start) {
            this.assignTopics = List.copyOf(topics);
            this.start = start;
            return this;
        }

        /** Reads just these partitions without a group, from {@code start}. */
        public Options assignPartitions(Collection<TopicPartition> partitions, Start start) {
            this.assignPartitions = List.copyOf(partitions);
            this.start = start;
            return this;
        }

        /** Ready only once every assigned partition has been read up to where it ended when the loop started. */
        public Options catchUp() {
            this.catchUp = true;
            return this;
        }

        public Options handler(Handler handler) {
            this.handler = handler;
            return this;
        }

        public Options deadLetters(DeadLetters deadLetters) {
            this.deadLetters = deadLetters;
            return this;
        }

        public Options metrics(MeterRegistry metrics) {
            this.metrics = metrics;
            return this;
        }

        /** Batches that may be in progress at once (handlers that complete asynchronously); 1 = one at a time. */
        public Options maxInFlight(int maxInFlight) {
            this.maxInFlight = Math.max(1, maxInFlight);
            return this;
        }

        public Options backoff(Duration min, Duration max) {
            this.minBackoff = min;
            this.maxBackoff = max;
            return this;
        }

        public Options pollTimeout(Duration pollTimeout) {
            this.pollTimeout = pollTimeout;
            return this;
        }

        /**
         * Told which partitions this loop now owns and where it will read each (the committed offset, for a group), on its
         * own thread, before it reads them: the place to rebuild state kept per partition.
         */
        public Options onAssigned(Consumer<Map<TopicPartition, Long>> onAssigned) {
            this.onAssigned = onAssigned;
            return this;
        }

        /**
         * Told, on the loop's thread, each time a poll returns no record: the loop has read all there was. A loop that
         * waits for its batches to finish does not poll, so it is not called then.
         */
        public Options onIdle(Runnable onIdle) {
            this.onIdle = onIdle;
            return this;
        }

        public ConsumerLoop build() {
            if (handler == null || deadLetters == null) {
                throw new IllegalStateException(name + ": a loop needs a handler and dead letters");
            }
            if ((subscribe == null) == (assignTopics == null && assignPartitions == null)) {
                throw new IllegalStateException(name + ": a loop either subscribes or assigns");
            }
            return new ConsumerLoop(this);
        }
    }

    /** A batch handed to the handler and not yet settled. */
    private record InFlight(Batch batch, CompletableFuture<?> done) {}

    private final Options options;
    private final String name;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /** Per partition: the offset after the last record done (everything before it is done). */
    private final Map<TopicPartition, Long> done = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();
    private final Set<TopicPartition> assigned = new HashSet<>();
    private final Map<TopicPartition, Long> catchUpTo = new HashMap<>();
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private final Counter recordsCounter;
    private final Counter retriesCounter;
    private final Timer recordAge;
    private final Timer batchTime;
    private KafkaClientMetrics clientMetrics;
    private volatile State state = State.STARTING;
    private volatile String detail = "starting";
    private volatile boolean closing;
    private volatile int assignments;
    private volatile boolean rewindRequested;
    private boolean paused;
    private long lastCommit;

    private ConsumerLoop(Options options) {
        this.options = options;
        this.name = options.name;
        Map<String, Object> config = new HashMap<>(options.consumerConfig);
        config.putIfAbsent("client.id", name);
        config.put("enable.auto.commit", false);
        config.putIfAbsent("auto.offset.reset", "earliest");
        config.put("key.deserializer", StringDeserializer.class.getName());
        config.put("value.deserializer", ByteArrayDeserializer.class.getName());
        if (options.subscribe == null) {
            config.remove("group.id");
        }
        this.consumer = new KafkaConsumer<>(config);
        MeterRegistry metrics = options.metrics;
        this.recordsCounter = metrics == null ? null : metrics.counter("im.pipeline.records", "loop", name);
        this.retriesCounter = metrics == null ? null : metrics.counter("im.pipeline.retries", "loop", name);
        this.recordAge = metrics == null
                ? null
                : Timer.builder("im.pipeline.record.age")
                        .description("From a record's timestamp (its producer's clock) to its hand-over to this loop's handler")
                        .tag("loop", name).register(metrics);
        this.batchTime = metrics == null
                ? null
                : Timer.builder("im.pipeline.batch.time")
                        .description("From a poll's hand-over to its handler until it was done (its writes acknowledged)")
                        .tag("loop", name).register(metrics);
        if (metrics != null) {
            clientMetrics = new KafkaClientMetrics(consumer);
            clientMetrics.bindTo(metrics);
            metrics.gauge("im.pipeline.in_flight", Tags.of("loop", name), inFlight,
                    ArrayDeque::size);
        }
        this.thread = new Thread(this::run, "im-loop-" + name);
        this.thread.setDaemon(true);
    }

    /** Starts reading on the loop's own thread. */
    public ConsumerLoop start() {
        thread.start();
        return this;
    }

    public String name() {
        return name;
    }

    public State state() {
        return state;
    }

    /** What the state is about: the failure being retried, the partitions still loading. */
    public String detail() {
        return detail;
    }

    /** Whether the loop reads normally (and, for catch-up loops, has caught up). */
    public boolean isReady() {
        return state == State.RUNNING;
    }

    /**
     * Reads every assigned partition again from its beginning (rebuilding a projection from Kafka); done on the loop's
     * thread at its next poll.
     */
    public void seekToBeginning() {
        rewindRequested = true;
        consumer.wakeup();
    }

    /** How many times the group assigned partitions to this loop (rebalances), for tests and diagnostics. */
    public int assignments() {
        return assignments;
    }

    /** Completes once a catch-up loop has read to the end offsets it saw at start (at once for other loops). */
    public CompletableFuture<Void> caughtUp() {
        return caughtUp;
    }

    /** Stops reading: batches in progress get up to {@code grace} to finish, done offsets are committed. */
    public void close(Duration grace) {
        stop();
        awaitStopped(Duration.ofMillis(grace.toMillis() + 2_000));
    }

    /**
     * Tells the loop to stop and returns at once: it finishes the batches in progress (3 s at most), commits what is done
     * and leaves its group on its own thread. A service stops all its loops this way first, then waits for them, so
     * they stop side by side rather than one after another.
     */
    public void stop() {
        closing = true;
        consumer.wakeup();
    }

    /** Waits up to {@code timeout} for the loop's thread to end after {@link #stop()}; interrupts it after that. */
    public void awaitStopped(Duration timeout) {
        try {
            thread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warnf("%s: did not stop in time", name);
            thread.interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(3));
    }

    private void run() {
        try {
            begin();
            while (!closing) {
                try {
                    if (rewindRequested) {
                        rewindToBeginning();
                    }
                    ConsumerRecords<String, byte[]> records = poll(options.pollTimeout);
                    if (!records.isEmpty()) {
                        handOver(records);
                    } else if (options.onIdle != null) {
                        idle();
                    }
                    settle(options.maxInFlight - 1);
                    updateCatchUp();
                    commitIfDue(false);
                } catch (WakeupException e) {
                    // a rewind request, or closing: the loop condition and the flag decide
                }
            }
        } catch (WakeupException | InterruptException e) {
            // closing
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "%s: stopped by an unexpected failure", name);
        } finally {
            shutdown();
        }
    }

    private void idle() {
        try {
            options.onIdle.run();
        } catch (RuntimeException e) {
            LOG.warnf(e, "%s: the idle callback failed", name);
        }
    }

    private void rewindToBeginning() {
        rewindRequested = false;
        settle(0);
        consumer.seekToBeginning(assigned);
        done.clear();
        LOG.infof("%s: reading %d partitions again from the beginning", name, assigned.size());
    }

    /** Joins the group or assigns and seeks, retrying while the broker cannot answer. */
    private void begin() {
        Duration backoff = options.minBackoff;
        while (!closing) {
            try {
                if (options.subscribe != null) {
                    consumer.subscribe(options.subscribe, new Rebalance());
                    detail = "joining group " + consumer.groupMetadata().groupId();
                } else {
                    List<TopicPartition> partitions = options.assignPartitions != null
                            ? new ArrayList<>(options.assignPartitions)
                            : partitionsOf(options.assignTopics);
                    consumer.assign(partitions);
                    if (options.start == Start.EARLIEST) {
                        consumer.seekToBeginning(partitions);
                    } else {
                        consumer.seekToEnd(partitions);
                    }
                    for (TopicPartition partition : partitions) {
                        consumer.position(partition); // resolves the seek now: nothing written after this point is missed
                    }
                    assigned.addAll(partitions);
                    rememberPartitionCounts(partitions);
                    if (options.onAssigned != null) {
                        options.onAssigned.accept(positions(partitions));
                    }
                    if (options.catchUp) {
                        consumer.endOffsets(partitions).forEach((partition, end) -> {
                            if (end > consumer.position(partition)) {
                                catchUpTo.put(partition, end);
                            }
                        });
                    }
                    setState(State.RUNNING, partitions.size() > 4
                            ? "reading " + partitions.size() + " partitions"
                            : "reading " + partitions.stream().map(p -> p + " from " + consumer.position(p)).toList());
                    updateCatchUp();
                }
                return;
            } catch (WakeupException | InterruptException e) {
                throw e;
            } catch (RuntimeException e) {
                detail = "cannot start: " + e;
                LOG.warnf("%s: cannot start yet (%s), retrying in %s", name, e.toString(), backoff);
                sleep(backoff);
                backoff = next(backoff);
            }
        }
    }

    private List<TopicPartition> partitionsOf(Collection<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist (yet)");
            }
            infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        return partitions;
    }

    private Map<TopicPartition, Long> positions(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        partitions.forEach(partition -> positions.put(partition, consumer.position(partition)));
        return positions;
    }

    private void rememberPartitionCounts(Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            partitionCounts.computeIfAbsent(partition.topic(), topic -> {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
                return infos == null ? 0 : infos.size();
            });
        }
    }

    /** Polls; a record that cannot even be deserialized is skipped with a warning (its bytes are not ours to read). */
    private ConsumerRecords<String, byte[]> poll(Duration timeout) {
        try {
            return consumer.poll(timeout);
        } catch (RecordDeserializationException e) {
            LOG.warnf("%s: skipping unreadable record at %s offset %d: %s", name, e.topicPartition(), e.offset(),
                    e.getMessage());
            consumer.seek(e.topicPartition(), e.offset() + 1);
            return ConsumerRecords.empty();
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warnf("%s: poll failed (%s), retrying", name, e.toString());
            sleep(options.minBackoff);
            return ConsumerRecords.empty();
        }
    }

    private void handOver(ConsumerRecords<String, byte[]> records) {
        List<ConsumerRecord<String, byte[]>> list = new ArrayList<>(records.count());
        records.forEach(list::add);
        if (paused) {
            // a rebalance handed over partitions while paused: put their records back to be read later
            rewind(list);
            return;
        }
        for (ConsumerRecord<String, byte[]> record : list) {
            // everything before a partition's first record handed over is done: a recovery seeks back no further
            done.putIfAbsent(new TopicPartition(record.topic(), record.partition()), record.offset());
        }
        if (recordAge != null) {
            // how long each record waited between its producer and this handler: per loop, where a pipeline queues
            long now = System.currentTimeMillis();
            for (ConsumerRecord<String, byte[]> record : list) {
                if (record.timestamp() > 0) {
                    recordAge.record(Math.max(0, now - record.timestamp()), TimeUnit.MILLISECONDS);
                }
            }
        }
        Batch batch = newBatch(list);
        long handedOver = System.nanoTime();
        CompletableFuture<?> done = invoke(batch);
        if (batchTime != null) {
            // timed where it completes (a producer's callback), not where the loop next looks at it
            done.whenComplete((result, failure) -> {
                if (failure == null) {
                    batchTime.record(System.nanoTime() - handedOver, TimeUnit.NANOSECONDS);
                }
            });
        }
        inFlight.add(new InFlight(batch, done));
    }

    private Batch newBatch(List<ConsumerRecord<String, byte[]>> records) {
        return new Batch(records, options.deadLetters, topic -> partitionCounts.getOrDefault(topic, 0));
    }

    /** Runs the handler; a throw or a failed stage becomes a failed future, dead letters included. */
    private CompletableFuture<?> invoke(Batch batch) {
        CompletableFuture<?> handled;
        try {
            CompletionStage<?> stage = options.handler.handle(batch);
            handled = stage == null ? CompletableFuture.completedFuture(null) : stage.toCompletableFuture();
        } catch (Exception | Error e) {
            handled = CompletableFuture.failedFuture(e);
        }
        if (batch.pending().isEmpty()) {
            return handled;
        }
        List<CompletableFuture<?>> all = new ArrayList<>(batch.pending());
        all.add(handled);
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /** Settles finished batches in order, waiting while more than {@code keep} are in progress. */
    private void settle(int keep) {
        while (!inFlight.isEmpty()) {
            InFlight head = inFlight.peek();
            if (!head.done().isDone()) {
                if (inFlight.size() <= keep) {
                    return;
                }
                await(head.done());
                continue;
            }
            inFlight.poll();
            Throwable failure = failureOf(head.done());
            if (failure == null) {
                markDone(head.batch());
            } else {
                recover(head.batch(), failure);
            }
        }
    }

    /**
     * A batch failed: let the others finish, handle it again under the policy, then read again what came after it (those
     * batches were handed over already; handlers are idempotent for records they see again).
     */
    private void recover(Batch failed, Throwable failure) {
        for (InFlight other : List.copyOf(inFlight)) {
            await(other.done());
        }
        inFlight.clear();
        underPolicy(failed.records(), failure);
        for (TopicPartition partition : assigned) {
            Long next = done.get(partition);
            if (next != null) {
                consumer.seek(partition, next);
            }
        }
    }

    /**
     * Handles {@code records} until they are done: transient failures are retried with backoff (paused, still polling),
     * other failures split the records until the one that fails alone is dead-lettered.
     */
    private void underPolicy(List<ConsumerRecord<String, byte[]>> records, Throwable firstFailure) {
        Throwable failure = firstFailure;
        Duration backoff = options.minBackoff;
        List<ConsumerRecord<String, byte[]>> todo = records;
        while (!closing) {
            todo = todo.stream().filter(r -> assigned.contains(new TopicPartition(r.topic(), r.partition()))).toList();
            if (todo.isEmpty()) {
                return; // revoked meanwhile: the partitions' new owner reads them from the committed offsets
            }
            if (failure == null) {
                Batch batch = newBatch(todo);
                CompletableFuture<?> result = invoke(batch);
                await(result);
                failure = failureOf(result);
                if (failure == null) {
                    markDone(batch);
                    if (state == State.RETRYING) {
                        setState(State.RUNNING, "recovered");
                        LOG.infof("%s: recovered", name);
                    }
                    return;
                }
            }
            if (Failures.isTransient(failure)) {
                if (state != State.RETRYING) {
                    LOG.warnf("%s: %d records wait for a dependency (%s); retrying with backoff", name, todo.size(),
                            Failures.unwrap(failure).toString());
                }
                setState(State.RETRYING, Failures.unwrap(failure).toString());
                if (retriesCounter != null) {
                    retriesCounter.increment();
                }
                pausedSleep(backoff);
                backoff = next(backoff);
                failure = null;
                continue;
            }
            if (todo.size() == 1) {
                deadLetter(todo.get(0), Failures.asRefusal(failure));
                return;
            }
            int half = todo.size() / 2;
            List<ConsumerRecord<String, byte[]>> first = todo.subList(0, half);
            List<ConsumerRecord<String, byte[]>> second = todo.subList(half, todo.size());
            underPolicy(first, null);
            underPolicy(second, null);
            return;
        }
    }

    /** Dead-letters one record that failed alone, retrying the write while Kafka cannot take it. */
    private void deadLetter(ConsumerRecord<String, byte[]> record, ProtocolException reason) {
        LOG.warnf("%s: dead-lettering %s-%d@%d: %s %s", name, record.topic(), record.partition(), record.offset(),
                reason.code(), reason.getMessage());
        Duration backoff = options.minBackoff;
        while (!closing && assigned.contains(new TopicPartition(record.topic(), record.partition()))) {
            CompletableFuture<?> written = options.deadLetters.send(record, reason);
            await(written);
            Throwable failure = failureOf(written);
            if (failure == null) {
                markDone(newBatch(List.of(record)));
                return;
            }
            setState(State.RETRYING, "dead-letter write failed: " + Failures.unwrap(failure));
            pausedSleep(backoff);
            backoff = next(backoff);
        }
    }

    private void markDone(Batch batch) {
        for (ConsumerRecord<String, byte[]> record : batch.records()) {
            done.merge(new TopicPartition(record.topic(), record.partition()), record.offset() + 1, Math::max);
        }
        if (recordsCounter != null) {
            recordsCounter.increment(batch.size());
        }
    }

    /** Waits for {@code future} while keeping the consumer alive in its group (paused polls). */
    private void await(CompletableFuture<?> future) {
        while (!future.isDone()) {
            if (closing) {
                throw new WakeupException(); // unwinds to the shutdown, which commits only what is done
            }
            try {
                future.get(AWAIT_SLICE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                keepAlive();
            } catch (ExecutionException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        }
    }

    /** Sleeps for {@code duration} in paused polls, so the group does not consider this member gone. */
    private void pausedSleep(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        while (!closing) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                return;
            }
            keepAlive(Duration.ofNanos(Math.min(left, AWAIT_SLICE.toNanos())));
        }
    }

    private void keepAlive() {
        keepAlive(Duration.ZERO);
    }

    private void keepAlive(Duration timeout) {
        boolean wasPaused = paused;
        pauseAll();
        try {
            ConsumerRecords<String, byte[]> stray = consumer.poll(timeout);
            if (!stray.isEmpty()) {
                List<ConsumerRecord<String, byte[]>> list = new ArrayList<>();
                stray.forEach(list::add);
                rewind(list);
            }
        } catch (WakeupException e) {
            // closing (the callers check) or a rewind request (done at the next poll of the main loop)
        } finally {
            if (!wasPaused) {
                resumeAll();
            }
        }
    }

    private void pauseAll() {
        if (!paused) {
            consumer.pause(consumer.assignment());
            paused = true;
        }
    }

    private void resumeAll() {
        consumer.resume(consumer.assignment());
        paused = false;
    }

    /** Seeks back to the first of {@code records} per partition, so they are read again. */
    private void rewind(List<ConsumerRecord<String, byte[]>> records) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            first.merge(new TopicPartition(record.topic(), record.partition()), record.offset(), Math::min);
        }
        first.forEach((partition, offset) -> {
            if (consumer.assignment().contains(partition)) {
                consumer.seek(partition, offset);
            }
        });
    }

    private void commitIfDue(boolean now) {
        if (options.subscribe == null) {
            return;
        }
        long nowMs = System.currentTimeMillis();
        if (!now && nowMs - lastCommit < options.commitInterval.toMillis()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        done.forEach((partition, offset) -> {
            if (assigned.contains(partition) && !offset.equals(committed.get(partition))) {
                offsets.put(partition, new OffsetAndMetadata(offset));
            }
        });
        if (offsets.isEmpty()) {
            return;
        }
        lastCommit = nowMs;
        try {
            if (now) {
                consumer.commitSync(offsets, Duration.ofSeconds(10));
                offsets.forEach((partition, offset) -> committed.put(partition, offset.offset()));
            } else {
                consumer.commitAsync(offsets, (result, failure) -> {
                    if (failure == null) {
                        result.forEach((partition, offset) -> committed.merge(partition, offset.offset(), Math::max));
                    } else {
                        LOG.debugf("%s: commit failed (%s); the next one covers it", name, failure.toString());
                    }
                });
            }
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warnf("%s: commit failed (%s); records since the last commit may be read again", name, e.toString());
        }
    }

    private void updateCatchUp() {
        if (caughtUp.isDone() || state == State.STARTING) {
            return;
        }
        catchUpTo.entrySet().removeIf(entry -> !assigned.contains(entry.getKey())
                || consumer.position(entry.getKey()) >= entry.getValue());
        if (catchUpTo.isEmpty()) {
            caughtUp.complete(null);
            if (options.catchUp) {
                LOG.infof("%s: caught up", name);
            }
            if (state == State.CATCHING_UP) {
                setState(State.RUNNING, "caught up");
            }
        } else if (state == State.RUNNING) {
            setState(State.CATCHING_UP, catchUpTo.size() + " partitions still loading");
        }
    }

    private void shutdown() {
        long until = System.currentTimeMillis() + 3_000;
        try {
            for (InFlight batch : inFlight) {
                long left = until - System.currentTimeMillis();
                if (left > 0) {
                    batch.done().get(left, TimeUnit.MILLISECONDS);
                }
            }
        } catch (Exception e) {
            // what did not finish is read again by the next owner
        }
        try {
            while (!inFlight.isEmpty() && inFlight.peek().done().isDone() && failureOf(inFlight.peek().done()) == null) {
                markDone(inFlight.poll().batch());
            }
            try {
                commitIfDue(true);
            } catch (WakeupException e) {
                commitIfDue(true); // the close's wakeup was still pending; it is consumed now
            }
        } catch (RuntimeException e) {
            LOG.debugf("%s: final commit failed: %s", name, e.toString());
        }
        try {
            if (clientMetrics != null) {
                clientMetrics.close();
            }
            consumer.close(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            LOG.debugf("%s: close failed: %s", name, e.toString());
        }
        setState(State.STOPPED, "stopped");
    }

    private void setState(State state, String detail) {
        this.state = state == State.RUNNING && !catchUpTo.isEmpty() ? State.CATCHING_UP : state;
        this.detail = detail;
    }

    private Duration next(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(options.maxBackoff) > 0 ? options.maxBackoff : doubled;
    }

    private void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        if (!future.isCompletedExceptionally()) {
            return null;
        }
        try {
            future.join();
            return null;
        } catch (RuntimeException e) {
            return Failures.unwrap(e);
        }
    }

    /** Group membership changes: finish and commit what is done before partitions go; set new ones up before reading. */
    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // no polling inside a rebalance callback: plain bounded waits (the heartbeat thread keeps the membership)
            for (InFlight batch : inFlight) {
                try {
                    batch.done().get(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (ExecutionException | TimeoutException e) {
                    // not done: not committed, the next owner reads it again
                }
            }
            while (!inFlight.isEmpty() && inFlight.peek().done().isDone() && failureOf(inFlight.peek().done()) == null) {
                markDone(inFlight.poll().batch());
            }
            inFlight.clear(); // a failed or unfinished batch is not committed: the next owner reads it again
            commitIfDue(true);
            partitions.forEach(partition -> {
                assigned.remove(partition);
                done.remove(partition);
                committed.remove(partition);
            });
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            inFlight.clear();
            partitions.forEach(partition -> {
                assigned.remove(partition);
                done.remove(partition);
                committed.remove(partition);
            });
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assignments++;
            assigned.addAll(partitions);
            if (paused) {
                consumer.pause(partitions);
            }
            rememberPartitionCounts(partitions);
            if (!partitions.isEmpty() && options.onAssigned != null) {
                // a partition without a committed offset is looked up here (ListOffsets): only when asked for
                options.onAssigned.accept(positions(partitions));
            }
            if (state == State.STARTING) {
                setState(State.RUNNING, "member of the group");
                caughtUp.complete(null);
            }
        }
    }
}
