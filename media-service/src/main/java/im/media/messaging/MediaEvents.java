package im.media.messaging;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

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
    Emitter<String> emitter;

    /** Sends the record and waits for Kafka's acknowledgement; refuses with {@code UNAVAILABLE} if it does not come. */
    public void publish(Media media, Duration timeout) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        Message<String> message = Message.of(JsonCodec.encode(media.withoutUrls()))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(media.mediaId()).build())
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                }).withNack(failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            emitter.send(message);
            acked.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw unavailable();
        }
    }

    private static ProtocolException unavailable() {
        return new ProtocolException(ErrorCode.UNAVAILABLE, "the upload could not be recorded; retry");
    }
}
