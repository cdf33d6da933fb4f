package im.media.messaging;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

import im.pipeline.Tracing;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.Media;
import im.protocol.ProtocolException;
import im.protocol.RecordHeaders;
import im.protocol.Topics;

/** One {@code im.media} record per stored upload (key = mediaId, value = Media without URLs), acknowledged by Kafka. */
@ApplicationScoped
public class MediaEvents {
    /** Outgoing channel to {@code im.media} (application.properties, acks=all). */
    public static final String CHANNEL = "media-out";

    @Inject
    @Channel(CHANNEL)
    MutinyEmitter<String> emitter;

    @Inject
    Tracing tracing;

    /** Sends the record and waits for Kafka's acknowledgement; refuses with {@code UNAVAILABLE} if it does not come. */
    public void publish(Media media, Duration timeout) {
        // the record continues the upload request's trace (im.pipeline.Tracing; the channel's own tracing is off)
        Span span = tracing.start("publish " + Topics.MEDIA, SpanKind.PRODUCER, Context.current());
        Message<String> message = Message.of(JsonCodec.encode(media.withoutUrls()))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(media.mediaId())
                        .withHeaders(List.of(new RecordHeader(RecordHeaders.TRACEPARENT, tracing.traceparent(span))))
                        .build());
        try {
            emitter.sendMessage(message).await().atMost(timeout);
        } catch (RuntimeException e) {
            span.recordException(e);
            throw unavailable();
        } finally {
            span.end();
        }
    }

    private static ProtocolException unavailable() {
        return new ProtocolException(ErrorCode.UNAVAILABLE, "the upload could not be recorded; retry");
    }
}
