package im.history.messaging;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

import im.protocol.Action;
import im.protocol.ConversationKey;
import im.protocol.Envelope;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MessageIds;
import im.protocol.ProtocolException;
import im.protocol.Sender;

/** Sends the read receipt of {@code POST …/read} to the conversation, in its order, like the gateway's receipt op. */
@ApplicationScoped
public class ReceiptPublisher {

    @Inject
    @Channel("actions-out")
    Emitter<String> emitter;

    public void read(String userId, ConversationKey key, long orderKey) {
        long now = System.currentTimeMillis();
        Envelope envelope = new Envelope(Envelope.VERSION, MessageIds.next(now), null, key.value(), key.viewFor(userId),
                new Sender(userId, null), now, null, null, null, null, null, null, Action.receipt(orderKey, Action.READ));
        CompletableFuture<Void> done = new CompletableFuture<>();
        emitter.send(Message.of(JsonCodec.encode(envelope))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key.value()).build())
                .withAck(() -> {
                    done.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    done.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new ProtocolException(ErrorCode.UNAVAILABLE, "the read receipt was not written; retry");
        }
    }
}
