package im.gateway.messaging;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

import im.protocol.ProtocolException;

/**
 * Records that failed validation, for the dead-letter topic with the contract's {@code im-error} headers: by nack where a
 * channel reads record by record (its failure strategy writes the DLQ), by producing it where a channel reads batches.
 */
@ApplicationScoped
public class DeadLetters {

    @Inject
    @Channel("dead-letters")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
    Emitter<String> emitter;

    static CompletionStage<Void> nack(Message<?> message, ProtocolException failure) {
        return message.nack(failure, Metadata.of(OutgoingKafkaRecordMetadata.builder().withHeaders(headers(failure)).build()));
    }

    /** Writes a record of a batch to {@code im.dlq}, keyed as it was. */
    void send(KafkaRecord<String, String> record, ProtocolException failure) {
        emitter.send(Message.of(record.getPayload()).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(record.getKey()).withHeaders(headers(failure)).build()));
    }

    private static RecordHeaders headers(ProtocolException failure) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(im.protocol.RecordHeaders.ERROR, failure.code().name().getBytes(StandardCharsets.UTF_8));
        headers.add(im.protocol.RecordHeaders.ERROR_DETAIL, failure.getMessage().getBytes(StandardCharsets.UTF_8));
        return headers;
    }
}
