package im.gateway.messaging;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.reactive.messaging.OutgoingMessageMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Sends one keyed record through a SmallRye emitter and completes with the broker's {@link RecordMetadata} once the
 * channel's acks setting is satisfied: what an ack to the client waits for.
 */
final class KafkaSend {

    private KafkaSend() {
    }

    static CompletableFuture<RecordMetadata> send(Emitter<String> emitter, String topic, String key, String value,
            RecordHeaders headers) {
        CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
        OutgoingMessageMetadata<RecordMetadata> outcome = new OutgoingMessageMetadata<>();
        OutgoingKafkaRecordMetadata.OutgoingKafkaRecordMetadataBuilder<String> kafka = OutgoingKafkaRecordMetadata
                .<String>builder().withKey(key);
        if (topic != null) {
            kafka.withTopic(topic);
        }
        if (headers != null) {
            kafka.withHeaders(headers);
        }
        Message<String> message = Message.of(value).addMetadata(kafka.build()).addMetadata(outcome)
                .withAck(() -> {
                    result.complete(outcome.getResult());
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    result.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            emitter.send(message);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        return result;
    }
}
