package im.gateway.messaging;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import io.quarkus.runtime.StartupEvent;

import im.gateway.config.GatewayConfig;
import im.gateway.session.Delivering;
import im.pipeline.Batch;
import im.pipeline.ConsumerLoop;
import im.pipeline.KafkaClients;
import im.pipeline.TableFold;
import im.protocol.Broadcast;
import im.protocol.Delivery;
import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.MembershipView;
import im.protocol.ProtocolException;
import im.protocol.RecordRules;
import im.protocol.Topics;

/**
 * What this node reads from Kafka, each on a poll loop with the system's one failure policy: its own slice of
 * {@code im.deliveries} (the partition of its slot, from the end), every broadcast (from now on) and the whole membership
 * table (from the beginning; the node is ready only once it is loaded, so a group send never sees an empty table). A
 * record that cannot be read is dead-lettered on its own and the rest of its poll is pushed.
 */
@ApplicationScoped
public class Consumers {

    @Inject
    Delivering delivering;

    @Inject
    MembershipView membership;

    @Inject
    KafkaClients kafka;

    @Inject
    GatewayConfig config;

    private ConsumerLoop membershipLoop;

    @Produces
    @Singleton
    static MembershipView membershipView() {
        return new MembershipView();
    }

    void start(@Observes StartupEvent event) {
        membershipLoop = kafka.start(kafka.loop("membership").assign(List.of(Topics.MEMBERSHIP), ConsumerLoop.Start.EARLIEST)
                .catchUp().handler(TableFold.of(Membership.class, RecordRules::checkMembership, membership::apply)));
        kafka.start(kafka.loop("deliveries")
                .assignPartitions(List.of(new TopicPartition(Topics.DELIVERIES, config.nodeSlot())),
                        ConsumerLoop.Start.LATEST)
                .config("max.poll.records", 1000).pollTimeout(java.time.Duration.ofMillis(100)).handler(this::deliver));
        kafka.start(kafka.loop("broadcast").assign(List.of(Topics.BROADCAST), ConsumerLoop.Start.LATEST)
                .handler(this::broadcast));
    }

    /** Completes once the membership table holds what the topic held when the node started. */
    public CompletableFuture<Void> membershipLoaded() {
        return membershipLoop.caughtUp();
    }

    private CompletableFuture<?> deliver(Batch batch) {
        for (ConsumerRecord<String, byte[]> record : batch.records()) {
            try {
                Delivery delivery = JsonCodec.decode(record.value(), Delivery.class);
                RecordRules.checkDelivery(delivery);
                delivering.deliver(delivery);
            } catch (ProtocolException e) {
                batch.deadLetter(record, e);
            }
        }
        return null;
    }

    private CompletableFuture<?> broadcast(Batch batch) {
        for (ConsumerRecord<String, byte[]> record : batch.records()) {
            try {
                Broadcast broadcast = JsonCodec.decode(record.value(), Broadcast.class);
                RecordRules.checkBroadcast(broadcast);
                delivering.broadcast(broadcast);
            } catch (ProtocolException e) {
                batch.deadLetter(record, e);
            }
        }
        return null;
    }
}
