package im.history.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.quarkus.runtime.StartupEvent;

import im.history.config.HistoryConfig;
import im.history.notification.Notifier;
import im.history.persistence.BatchWriter;
import im.history.persistence.Migrations;
import im.pipeline.Batch;
import im.pipeline.ConsumerLoop;
import im.pipeline.Failures;
import im.pipeline.KafkaClients;
import im.pipeline.Tracing;
import im.protocol.Action;
import im.protocol.ConversationKey;
import im.protocol.Envelope;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MessageClass;
import im.protocol.MessageRules;
import im.protocol.ProtocolException;
import im.protocol.RecordHeaders;
import im.protocol.Topics;

/**
 * Consumes {@code im.messages.reliable} in its own group ({@code history}), a poll at a time, and stores every reliable
 * type. A record that breaks the contract (a backend's junk, a record on another partition than its key's) is
 * dead-lettered here; the failure policy of {@link ConsumerLoop} does the rest: PostgreSQL unavailable is retried for as
 * long as it lasts without leaving the group, and a record PostgreSQL refuses is isolated and dead-lettered, so an
 * acknowledged message is never lost and one record never stops storage for everybody. A recall of a message that
 * carried an upload also writes its withdrawal for media-service ({@link MediaWithdrawals}) before the batch counts as
 * done, as do the {@code reactionsChanged} and {@code messageEdited} events of applied reactions and edits
 * ({@link FeatureEvents}); messages stored now are notified to their offline recipients ({@link Notifier}) before the batch commits.
 */
@ApplicationScoped
public class MessageStore {
    /** The consumer group of history; reset it to rebuild the tables (docs/operations.md). */
    public static final String GROUP = "history";

    @Inject
    KafkaClients kafka;

    @Inject
    BatchWriter writer;

    @Inject
    Migrations migrations;

    @Inject
    HistoryConfig config;

    @Inject
    MediaWithdrawals withdrawals;

    @Inject
    Notifier notifier;

    @Inject
    FeatureEvents featureEvents;

    @Inject
    LiveConversations live;

    @Inject
    MeterRegistry metrics;

    @Inject
    Tracing tracing;

    /** What the broker gathers for a fetch unless {@code im.history.fetch-wait} passes first. */
    static final int FETCH_MIN_BYTES = 1 << 20;

    private ConsumerLoop loop;
    private Counter stored;

    void start(@Observes StartupEvent event) {
        stored = metrics.counter("im.history.stored");
        loop = kafka.start(kafka.loop("reliable").subscribe(GROUP, List.of(Topics.MESSAGES_RELIABLE))
                .config("max.poll.records", config.batchSize())
                .config("fetch.max.wait.ms", (int) config.fetchWait().toMillis())
                .config("fetch.min.bytes", config.fetchWait().isZero() ? 1 : FETCH_MIN_BYTES)
                .backoff(Duration.ofMillis(100), config.maxRetryBackoff())
                .handler(this::store));
    }

    /** The consumer loop, for operators' tools and tests (rebuild). */
    public ConsumerLoop loop() {
        return loop;
    }

    /** The {@code im-type}s of the events history itself writes to the reliable topic, for routing. */
    private static final List<byte[]> OWN_EVENTS = Stream.of(Action.CONVERSATION_CHANGED, Action.REACTIONS_CHANGED,
            Action.MESSAGE_EDITED).map(type -> type.getBytes(StandardCharsets.UTF_8)).toList();

    CompletionStage<?> store(Batch batch) throws Exception {
        if (!migrations.ready().isDone()) {
            throw new Failures.Transient("the schema is not migrated yet", null);
        }
        List<BatchWriter.Stamped> stamped = new ArrayList<>(batch.size());
        // a span per stored record only when spans are exported; a message's trace goes on in its notifications, a recall's
        // in its media withdrawal
        List<Span> spans = tracing.recording() ? new ArrayList<>(batch.size()) : null;
        Map<String, byte[]> recallTraces = new HashMap<>();
        Map<String, byte[]> traces = new HashMap<>();
        Map<String, byte[]> featureTraces = new HashMap<>();
        try {
            for (ConsumerRecord<String, byte[]> record : batch.records()) {
                if (isOwnEvent(record)) {
                    continue; // history's own events, for routing: skipped undecoded, nothing to store
                }
                try {
                    BatchWriter.Stamped checked = check(batch, record);
                    stamped.add(checked);
                    if (spans != null) {
                        spans.add(tracing.start("store " + record.topic(), SpanKind.CONSUMER,
                                tracing.extract(record.headers())));
                    }
                    Action action = checked.envelope().action();
                    Header traceparent = record.headers().lastHeader(RecordHeaders.TRACEPARENT);
                    if (traceparent != null) {
                        traces.put(checked.envelope().messageId(), traceparent.value());
                        if (action != null && action.isRevoke()) {
                            recallTraces.put(action.messageId(), traceparent.value());
                        }
                        if (action != null && (action.isReact() || action.isEdit())) {
                            featureTraces.put(action.messageId(), traceparent.value());
                        }
                    }
                } catch (ProtocolException e) {
                    metrics.counter("im.history.dead_lettered", "code", e.code().name()).increment();
                    batch.deadLetter(record, e);
                }
            }
            // the notifications of what is stored now are in Kafka before the batch commits (Notifier)
            BatchWriter.Written written = writer.write(stamped,
                    (connection, inserted) -> notifier.notify(connection, inserted, traces));
            stored.increment(written.stored());
            // best effort, off this thread: storing never waits for or stops on the live events
            live.stored(written.touched());
            // the batch is done (and its offsets committed) only once media's withdrawals, and what participants must now
            // see of reacted and edited messages, are in Kafka
            CompletableFuture<Void> withdrawn = written.withdrawals().isEmpty()
                    ? null
                    : withdrawals.publish(written.withdrawals(), recallTraces);
            if (written.events().isEmpty()) {
                return withdrawn;
            }
            CompletableFuture<Void> told = featureEvents.publish(written.events(), featureTraces);
            return withdrawn == null ? told : CompletableFuture.allOf(withdrawn, told);
        } finally {
            if (spans != null) {
                spans.forEach(Span::end);
            }
        }
    }

    /** Whether the record is one of history's own events, by its {@code im-type} header (nothing decoded). */
    private static boolean isOwnEvent(ConsumerRecord<String, byte[]> record) {
        Header type = record.headers().lastHeader(RecordHeaders.TYPE);
        if (type == null) {
            return false;
        }
        for (byte[] own : OWN_EVENTS) {
            if (Arrays.equals(type.value(), own)) {
                return true;
            }
        }
        return false;
    }

    /** The contract's checks for a record of the reliable topic, whoever wrote it. */
    private static BatchWriter.Stamped check(Batch batch, ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "a message record needs a value");
        }
        Envelope envelope = JsonCodec.decode(record.value(), Envelope.class);
        ConversationKey key = MessageRules.checkEnvelope(envelope);
        batch.requireConversationPlacement(record, key);
        if (envelope.action() == null && envelope.message().type().messageClass() != MessageClass.RELIABLE) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, envelope.message().type().wireName()
                    + " messages belong on " + envelope.message().type().messageClass().topic());
        }
        return new BatchWriter.Stamped(envelope, key, record.offset());
    }
}
