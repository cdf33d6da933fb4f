package im.gateway.messaging;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;

import im.pipeline.KafkaClients;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.MembershipView;
import im.protocol.ProtocolException;
import im.protocol.Topics;

/**
 * Writes group and member records to the compacted {@code im.membership} topic and, once the broker has them, applies them
 * to this node's view, so that the caller's next request already sees them.
 */
@ApplicationScoped
public class MembershipPublisher {

    @Inject
    KafkaClients kafka;

    @Inject
    MembershipView view;

    /** Writes records (key to value; null value removes) and completes when all are acknowledged and applied. */
    public CompletableFuture<Void> write(List<Membership> upserts, List<String> removedKeys) {
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (Membership record : upserts) {
            String key = Membership.KIND_GROUP.equals(record.kind())
                    ? Membership.groupKey(record.groupId())
                    : Membership.memberKey(record.groupId(), record.userId());
            sends.add(kafka.reliable().send(new ProducerRecord<>(Topics.MEMBERSHIP, key, JsonCodec.encodeBytes(record)))
                    .thenRun(() -> view.apply(key, record)));
        }
        for (String key : removedKeys) {
            sends.add(kafka.reliable().send(new ProducerRecord<String, byte[]>(Topics.MEMBERSHIP, key, null))
                    .thenRun(() -> view.apply(key, null)));
        }
        return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                .orTimeout(10, TimeUnit.SECONDS)
                .exceptionally(failure -> {
                    throw new ProtocolException(ErrorCode.UNAVAILABLE, "Kafka did not take the membership change; retry");
                });
    }
}
