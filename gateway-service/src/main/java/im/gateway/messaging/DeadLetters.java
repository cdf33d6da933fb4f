package im.gateway.messaging;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

import im.protocol.ProtocolException;

/** Nacks a record that failed validation with the contract's {@code im-error} headers, for the dead-letter topic. */
final class DeadLetters {

    private DeadLetters() {
    }

    static CompletionStage<Void> nack(Message<?> message, ProtocolException failure) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(im.protocol.RecordHeaders.ERROR, failure.code().name().getBytes(StandardCharsets.UTF_8));
        headers.add(im.protocol.RecordHeaders.ERROR_DETAIL, failure.getMessage().getBytes(StandardCharsets.UTF_8));
        return message.nack(failure,
                Metadata.of(OutgoingKafkaRecordMetadata.builder().withHeaders(headers).build()));
    }
}
