package im.gateway.messaging;

import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

import im.gateway.session.Delivering;
import im.protocol.Broadcast;
import im.protocol.Delivery;
import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.MembershipView;
import im.protocol.ProtocolException;

/**
 * What this node reads from Kafka: its own slice of {@code im.deliveries} (the partition of its slot), every broadcast,
 * and the whole membership table. A record that cannot be read is nacked and lands in {@code im.dlq} (failure-strategy in
 * application.properties); it never stops the channel.
 */
@ApplicationScoped
public class Consumers {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Consumers.class);

    @Inject
    Delivering delivering;

    @Inject
    MembershipView membership;

    @Inject
    DeadLetters deadLetters;

    @Produces
    @Singleton
    static MembershipView membershipView() {
        return new MembershipView();
    }

    /**
     * A whole poll of this node's deliveries at once: one hand-over from the Kafka thread per poll instead of one per record
     * keeps pushes flowing while the node is busy taking sends. A record that cannot be read goes to {@code im.dlq} on its
     * own; the rest of the batch is pushed.
     */
    @Incoming("deliveries")
    public CompletionStage<Void> deliver(KafkaRecordBatch<String, String> batch) {
        for (KafkaRecord<String, String> record : batch) {
            try {
                delivering.deliver(JsonCodec.decode(record.getPayload(), Delivery.class));
            } catch (ProtocolException e) {
                LOG.warnf("unreadable delivery sent to the DLQ: %s", e.getMessage());
                deadLetters.send(record, e);
            }
        }
        return batch.ack();
    }

    @Incoming("broadcast")
    public CompletionStage<Void> broadcast(Message<String> message) {
        try {
            delivering.broadcast(JsonCodec.decode(message.getPayload(), Broadcast.class));
            return message.ack();
        } catch (ProtocolException e) {
            return DeadLetters.nack(message, e);
        }
    }

    @Incoming("membership")
    public CompletionStage<Void> membership(Message<String> message) {
        try {
            String key = message.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> (String) m.getKey()).orElse(null);
            String value = message.getPayload();
            membership.apply(key, value == null ? null : JsonCodec.decode(value, Membership.class));
            return message.ack();
        } catch (ProtocolException e) {
            return DeadLetters.nack(message, e);
        }
    }
}
