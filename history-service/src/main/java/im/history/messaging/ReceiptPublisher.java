package im.history.messaging;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;

import im.pipeline.KafkaClients;
import im.protocol.Action;
import im.protocol.ConversationKey;
import im.protocol.Envelope;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MessageIds;
import im.protocol.ProtocolException;
import im.protocol.RecordHeaders;
import im.protocol.Sender;
import im.protocol.Topics;

/** Sends the read receipt of {@code POST …/read} to the conversation, in its order, like the gateway's receipt op. */
@ApplicationScoped
public class ReceiptPublisher {

    @Inject
    KafkaClients kafka;

    public void read(String userId, ConversationKey key, long orderKey) {
        long now = System.currentTimeMillis();
        Envelope envelope = new Envelope(Envelope.VERSION, MessageIds.next(now), null, key.value(), key.viewFor(userId),
                new Sender(userId, null), now, null, null, null, null, null, null, Action.receipt(orderKey, Action.READ));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.MESSAGES_RELIABLE, key.value(),
                JsonCodec.encodeBytes(envelope));
        record.headers().add(RecordHeaders.TYPE, Action.RECEIPT.getBytes(StandardCharsets.UTF_8));
        try {
            kafka.reliable().send(record).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new ProtocolException(ErrorCode.UNAVAILABLE, "the read receipt was not written; retry");
        }
    }
}
