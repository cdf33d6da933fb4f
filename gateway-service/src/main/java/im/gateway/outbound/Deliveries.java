package im.gateway.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;

import im.gateway.config.GatewayConfig;
import im.gateway.session.Session;
import im.gateway.session.SessionRegistry;
import im.pipeline.Batch;
import im.pipeline.ConsumerLoop;
import im.pipeline.KafkaClients;
import im.protocol.Broadcast;
import im.protocol.ConversationRef;
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
    GatewayConfig config;

    @Inject
    MeterRegistry metrics;

    private Counter delivered;
    private Counter broadcasts;

    @PostConstruct
    void init() {
        delivered = metrics.counter("im.gateway.delivered");
        broadcasts = metrics.counter("im.gateway.broadcast.pushed");
    }

    void start(@Observes StartupEvent event) {
        kafka.start(kafka.loop("deliveries")
                .assignPartitions(List.of(new TopicPartition(Topics.DELIVERIES, config.nodeSlot())), ConsumerLoop.Start.LATEST)
                .config("max.poll.records", 2000).pollTimeout(Duration.ofMillis(100)).handler(this::deliver));
    }

    CompletionStage<?> deliver(Batch batch) {
        for (ConsumerRecord<String, byte[]> record : batch.records()) {
            try {
                push(DeliveryReader.read(record.value()));
            } catch (ProtocolException e) {
                batch.deadLetter(record, e);
            }
        }
        return null;
    }

    private void push(DeliveryReader.Parsed delivery) {
        if (!config.nodeId().equals(delivery.nodeId())) {
            return; // another node that shares this slot: not ours to push
        }
        for (Session session : targets(delivery)) {
            if (session.id().equals(delivery.excludeSessionId())) {
                continue;
            }
            ConversationRef view = delivery.key().viewFor(session.userId());
            if (delivery.message() != null) {
                session.outbox().offerMessage(view, delivery.message());
            } else if (delivery.revoked() != null) {
                session.reply(ServerFrames.Revoked.of(view, delivery.revoked().messageId(), delivery.revoked().by()));
            } else {
                session.reply(ServerFrames.Receipt.of(view, delivery.receipt().orderKey(), delivery.receipt().userId(),
                        delivery.receipt().kind()));
            }
            delivered.increment();
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
