package im.media.messaging;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.Media;
import im.protocol.ProtocolException;

/** One {@code im.media} record per stored upload (key = mediaId, value = Media without URLs), acknowledged by Kafka. */
@ApplicationScoped
public class MediaEvents {
    /** Outgoing channel to {@code im.media} (application.properties, acks=all). */
    public static final String CHANNEL = "media-out";

    @Inject
    @Channel(CHANNEL)
    MutinyEmitter<String> emitter;

    /** Sends the record and waits for Kafka's acknowledgement; refuses with {@code UNAVAILABLE} if it does not come. */
    public void publish(Media media, Duration timeout) {
        Message<String> message = Message.of(JsonCodec.encode(media.withoutUrls()))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(media.mediaId()).build());
        try {
            emitter.sendMessage(message).await().atMost(timeout);
        } catch (RuntimeException e) {
            throw unavailable();
        }
    }

    private static ProtocolException unavailable() {
        return new ProtocolException(ErrorCode.UNAVAILABLE, "the upload could not be recorded; retry");
    }
}
