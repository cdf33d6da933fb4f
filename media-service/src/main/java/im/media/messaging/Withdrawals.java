package im.media.messaging;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.runtime.StartupEvent;

import im.media.service.MediaService;
import im.media.storage.Keys;
import im.pipeline.Batch;
import im.pipeline.ConsumerLoop;
import im.pipeline.KafkaClients;
import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.JsonCodec;
import im.protocol.MediaWithdrawn;
import im.protocol.ProtocolException;
import im.protocol.Topics;

/**
 * Consumes {@code im.media} in its own group ({@value #GROUP}) and applies the withdrawals history writes when a message
 * that carried an upload is recalled ({@link MediaWithdrawn}); upload records, which carry no {@code event}, are passed
 * over. On the system's one failure policy ({@link ConsumerLoop}): a broken withdrawal is dead-lettered, PostgreSQL
 * unavailable is retried for as long as it lasts, so a recall is never lost. Applying one is idempotent.
 */
@ApplicationScoped
public class Withdrawals {
    /** The consumer group of media's withdrawals. */
    public static final String GROUP = "media-withdrawals";

    @Inject
    KafkaClients kafka;

    @Inject
    MediaService service;

    void start(@Observes StartupEvent event) {
        kafka.start(kafka.loop("withdrawals").subscribe(GROUP, List.of(Topics.MEDIA))
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(10)).handler(this::apply));
    }

    CompletionStage<?> apply(Batch batch) {
        for (ConsumerRecord<String, byte[]> record : batch.records()) {
            if (record.value() == null) {
                continue;
            }
            MediaWithdrawn withdrawn;
            try {
                withdrawn = check(record);
            } catch (ProtocolException e) {
                batch.deadLetter(record, e);
                continue;
            }
            if (withdrawn != null) {
                service.withdraw(withdrawn.mediaId(), withdrawn.by(), withdrawn.at());
            }
        }
        return null;
    }

    /** The withdrawal a record holds, null for an upload's record, or the refusal of a broken one. */
    static MediaWithdrawn check(ConsumerRecord<String, byte[]> record) {
        JsonNode node = JsonCodec.decode(record.value(), JsonNode.class);
        if (!node.isObject()) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "an im.media record is a JSON object");
        }
        JsonNode event = node.get("event");
        if (event == null) {
            return null;
        }
        if (!MediaWithdrawn.EVENT.equals(event.asText())) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "unknown im.media event");
        }
        MediaWithdrawn withdrawn = JsonCodec.decode(record.value(), MediaWithdrawn.class);
        if (withdrawn.v() != MediaWithdrawn.VERSION || !Keys.isMediaId(withdrawn.mediaId())
                || !withdrawn.mediaId().equals(record.key()) || !Ids.isValid(withdrawn.by())
                || withdrawn.messageId() == null || withdrawn.messageId().isEmpty() || withdrawn.messageId().length() > 64
                || withdrawn.at() <= 0) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                    "a withdrawal needs v 1, a mediaId equal to its key, messageId, by (a userId) and at");
        }
        return withdrawn;
    }
}
