package im.gateway.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;

import im.gateway.config.GatewayConfig;
import im.gateway.service.Admission;
import im.gateway.session.Session;
import im.gateway.session.SessionRegistry;
import im.pipeline.Batch;
import im.pipeline.ConsumerLoop;
import im.pipeline.KafkaClients;
import im.pipeline.Tracing;
import im.protocol.Broadcast;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.JsonCodec;
import im.protocol.ProtocolException;
import im.protocol.ServerFrames;
import im.protocol.Topics;

/**
 * The outbound pipeline of this node: its slice of {@code im.deliveries} (the partition of its slot, from the end) is read
 * a poll at a time on its own thread and fanned out to the sessions' outbound queues — peer and group deliveries to the
 * listed users' sessions, room deliveries to the sessions that entered the room, never to the sending session. Each
 * session writes what a poll gave it in one burst. A record that cannot be read is dead-lettered on its own.
 */
@ApplicationScoped
public class Deliveries {

    @Inject
    SessionRegistry sessions;

    @Inject
    KafkaClients kafka;

    @Inject
    Tracing tracing;

    @Inject
    GatewayConfig config;

    @Inject
    MeterRegistry metrics;

    @Inject
    Admission admission;

    /**
     * The oldest a message sent by a session may be and still count in the pipeline delay that admission reads: an older
     * timestamp is a clock that is off or a backlog no refusal will shorten.
     */
    private static final long MAX_AGE_MILLIS = 600_000;

    /** Pushes to a session by the message's rank (0 barrage, 1 low, 2 medium, 3 high), then recalls and receipts. */
    private final Counter[] delivered = new Counter[5];
    private Counter replayed;
    private Counter broadcasts;
    /** Messages pushed lately, by id: where and to whom (to tell who had a replay). */
    private Cache<String, Pushed> pushed;
    /** The offset of the last delivery fully pushed; -1 before the first. */
    private volatile long done = -1;
    /** Polls handled so far (on the loop's thread). */
    private long polls;

    @PostConstruct
    void init() {
        for (int rank = 0; rank < 4; rank++) {
            delivered[rank] = metrics.counter("im.gateway.delivered", "rank", String.valueOf(rank));
        }
        delivered[4] = metrics.counter("im.gateway.delivered", "rank", "action");
        replayed = metrics.counter("im.gateway.replayed");
        broadcasts = metrics.counter("im.gateway.broadcast.pushed");
        pushed = Caffeine.newBuilder().expireAfterWrite(config.replayWindow()).maximumSize(config.replayMemory()).build();
    }

    /**
     * The offset of the last delivery fully pushed. Read right after a session is registered: a message pushed from two
     * offsets past it on reached that session (one past it may have been in progress while it registered).
     */
    public long done() {
        return done;
    }

    void start(@Observes StartupEvent event) {
        kafka.start(kafka.loop("deliveries")
                .assignPartitions(List.of(new TopicPartition(Topics.DELIVERIES, config.nodeSlot())), ConsumerLoop.Start.LATEST)
                .config("max.poll.records", 2000).pollTimeout(Duration.ofMillis(100)).maxInFlight(2).handler(this::deliver)
                .onIdle(() -> admission.idle(System.currentTimeMillis())));
    }

    CompletionStage<?> deliver(Batch batch) {
        Flushes flushes = new Flushes(++polls);
        long now = System.currentTimeMillis();
        long ages = 0;
        int aged = 0;
        for (ConsumerRecord<String, byte[]> record : batch.records()) {
            // the trace's last hop, when spans are exported: handing the delivery to its sessions' outboxes
            Span span = tracing.recording()
                    ? tracing.start("deliver " + record.topic(), SpanKind.CONSUMER, tracing.extract(record.headers()))
                    : null;
            try {
                DeliveryReader.Parsed delivery = DeliveryReader.read(record.value());
                long age = now - delivery.sentAt();
                if (delivery.excludeSessionId() != null && !delivery.replay() && age >= 0 && age <= MAX_AGE_MILLIS) {
                    ages += age;
                    aged++;
                }
                push(delivery, record.offset(), flushes);
            } catch (ProtocolException e) {
                batch.deadLetter(record, e);
            } finally {
                if (span != null) {
                    span.end();
                }
            }
            done = record.offset();
        }
        admission.observe(ages, aged, now);
        return flushes.run();
    }

    /**
     * The sessions a poll queued messages for, by event loop: one task per loop writes them (one frame per conversation
     * each), and the poll is done when every loop has run its task — so a gateway short of CPU leaves its backlog in
     * Kafka, where it shows as lag, instead of in event loop task queues where acks would wait behind it.
     */
    private static final class Flushes {
        private final long poll;
        private final Map<Context, List<Session>> byLoop = new HashMap<>(4);

        Flushes(long poll) {
            this.poll = poll;
        }

        void add(Session session) {
            if (session.queuedInPoll(poll)) {
                byLoop.computeIfAbsent(session.eventLoop(), loop -> new ArrayList<>()).add(session);
            }
        }

        CompletionStage<?> run() {
            if (byLoop.isEmpty()) {
                return null;
            }
            List<CompletableFuture<Void>> written = new ArrayList<>(byLoop.size());
            byLoop.forEach((eventLoop, targets) -> {
                CompletableFuture<Void> done = new CompletableFuture<>();
                written.add(done);
                eventLoop.runOnContext(ignored -> {
                    try {
                        for (Session session : targets) {
                            session.outbox().flush();
                        }
                    } finally {
                        done.complete(null);
                    }
                });
            });
            return CompletableFuture.allOf(written.toArray(CompletableFuture[]::new));
        }
    }

    private void push(DeliveryReader.Parsed delivery, long offset, Flushes flushes) {
        if (!config.nodeId().equals(delivery.nodeId())) {
            return; // another node that shares this slot: not ours to push
        }
        Pushed pushedBefore = null;
        if (delivery.replay()) {
            pushedBefore = pushed.getIfPresent(delivery.messageId());
        } else if (delivery.message() != null) {
            pushed.put(delivery.messageId(), new Pushed(offset, delivery.userIds()));
        }
        ConversationRef shared = delivery.key().type() == ConversationType.PEER ? null : delivery.key().viewFor(null);
        for (Session session : targets(delivery)) {
            if (session.id().equals(delivery.excludeSessionId())) {
                continue;
            }
            if (delivery.replay()) {
                if (pushedBefore != null && pushedBefore.reached(session)) {
                    continue; // it was here already when the message was pushed to it
                }
                replayed.increment();
            }
            ConversationRef view = shared != null ? shared : delivery.key().viewFor(session.userId());
            if (delivery.message() != null) {
                session.outbox().queueMessage(view, delivery.message());
                flushes.add(session);
            } else if (delivery.conversationChanged() != null) {
                // every session of the user, the one that caused it too (another device's read, clear or delete)
                session.reply(ServerFrames.ConversationChangedFrame.of(view, delivery.conversationChanged()));
                if (delivery.conversationChanged().totalUnreadCount() != null) {
                    session.reply(ServerFrames.TotalUnreadChanged.of(delivery.conversationChanged().totalUnreadCount()));
                }
            } else if (delivery.revoked() != null) {
                session.reply(ServerFrames.Revoked.of(view, delivery.revoked().messageId(), delivery.revoked().by()));
            } else if (delivery.reactionsChanged() != null) {
                session.reply(ServerFrames.ReactionsChangedFrame.of(view, delivery.reactionsChanged().messageId(),
                        delivery.reactionsChanged().reactions()));
            } else if (delivery.messageEdited() != null) {
                session.reply(ServerFrames.MessageEditedFrame.of(view, delivery.messageEdited()));
            } else {
                session.reply(ServerFrames.Receipt.of(view, delivery.receipt().orderKey(), delivery.receipt().userId(),
                        delivery.receipt().kind()));
            }
            delivered[delivery.message() != null ? delivery.message().rank() : 4].increment();
        }
    }

    /**
     * A message's delivery as this node pushed it: at which offset, to which users ({@code null}: every session of its
     * room). A session had it when it was registered two offsets before (one before may have been in progress) and is
     * one of those users: a session routing did not know of yet, of a user the delivery did not name, did not.
     */
    private record Pushed(long offset, List<String> userIds) {
        boolean reached(Session session) {
            return offset >= session.registeredAfterOffset() + 2 && (userIds == null || userIds.contains(session.userId()));
        }
    }

    private Collection<Session> targets(DeliveryReader.Parsed delivery) {
        if (delivery.roomId() != null) {
            Collection<Session> inRoom = sessions.inRoom(delivery.roomId());
            return delivery.userIds() == null
                    ? inRoom
                    : inRoom.stream().filter(s -> delivery.userIds().contains(s.userId())).toList();
        }
        List<Session> list = new ArrayList<>();
        if (delivery.userIds() != null) {
            for (String userId : delivery.userIds()) {
                list.addAll(sessions.ofUser(userId));
            }
        }
        return list;
    }

    /** A server-wide push: every session of this node, encoded once. */
    public void broadcast(Broadcast broadcast) {
        String frame = JsonCodec.encode(ServerFrames.BroadcastFrame.of(broadcast.toMessage()));
        for (Session session : sessions.all()) {
            session.reply(frame);
            broadcasts.increment();
        }
    }
}
