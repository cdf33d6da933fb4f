package im.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

import im.protocol.ProtocolException;
import im.protocol.RecordHeaders;
import im.protocol.Topics;

/**
 * Writes records that can never succeed to {@code im.dlq}: the original key, value and headers, plus why
 * ({@code im-error}, {@code im-error-detail}) and where from ({@code im-origin-topic}, {@code -partition},
 * {@code -offset}, {@code im-dead-lettered-by}). The record is replayable as it was: produce its value back to its origin
 * topic with its key.
 */
public final class DeadLetters {
    private static final int DETAIL_MAX = 1000;

    private final KafkaSender sender;
    private final String by;

    /**
     * @param sender the producer to write with (acks=all)
     * @param by the service and consumer that refused, e.g. {@code history-service/reliable}
     */
    public DeadLetters(KafkaSender sender, String by) {
        this.sender = sender;
        this.by = by;
    }

    /** Writes the record with its reason; completes when Kafka has it. */
    public CompletableFuture<RecordMetadata> send(ConsumerRecord<String, byte[]> record, ProtocolException reason) {
        List<Header> headers = new ArrayList<>();
        for (Header header : record.headers()) {
            if (!header.key().startsWith("im-error") && !header.key().startsWith("im-origin")
                    && !header.key().equals(RecordHeaders.DEAD_LETTERED_BY)) {
                headers.add(header);
            }
        }
        String detail = reason.getMessage();
        if (detail != null && detail.length() > DETAIL_MAX) {
            detail = detail.substring(0, DETAIL_MAX);
        }
        add(headers, RecordHeaders.ERROR, reason.code().name());
        add(headers, RecordHeaders.ERROR_DETAIL, detail == null ? "" : detail);
        add(headers, RecordHeaders.ORIGIN_TOPIC, record.topic());
        add(headers, RecordHeaders.ORIGIN_PARTITION, String.valueOf(record.partition()));
        add(headers, RecordHeaders.ORIGIN_OFFSET, String.valueOf(record.offset()));
        add(headers, RecordHeaders.DEAD_LETTERED_BY, by);
        return sender.send(new ProducerRecord<>(Topics.DLQ, null, record.key(), record.value(), headers));
    }

    private static void add(List<Header> headers, String key, String value) {
        headers.add(new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8)));
    }
}
