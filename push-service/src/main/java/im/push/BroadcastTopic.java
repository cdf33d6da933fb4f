package im.push;

import java.nio.charset.StandardCharsets;
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
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

import im.pipeline.Tracing;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.ProtocolException;
import im.protocol.RecordHeaders;
import im.protocol.Topics;

/** Writes to {@code im.broadcast} (broadcasts and kicks) and answers once Kafka has acknowledged the record. */
@ApplicationScoped
public class BroadcastTopic {
    /** Outgoing channel to {@code im.broadcast} (application.properties, acks=all). */
    public static final String CHANNEL = "broadcast-out";

    @Inject
    @Channel(CHANNEL)
    MutinyEmitter<String> emitter;

    @Inject
    Tracing tracing;

    /**
     * Completes once Kafka has acknowledged {@code value} (acks=all) with its {@code im-type} header; fails with
     * {@code UNAVAILABLE} on a refusal or after 10 s.
     */
    public Uni<Void> write(Object value, String type) {
        // the record continues the admin request's trace (im.pipeline.Tracing; the channel's own tracing is off)
        Span span = tracing.start("publish " + Topics.BROADCAST, SpanKind.PRODUCER, Context.current());
        List<RecordHeader> headers = List.of(new RecordHeader(RecordHeaders.TYPE, type.getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(RecordHeaders.TRACEPARENT, tracing.traceparent(span)));
        return emitter.sendMessage(Message.of(JsonCodec.encode(value))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withHeaders(headers).build()))
                .onTermination().invoke(span::end)
                .ifNoItem().after(Duration.ofSeconds(10)).fail()
                .onFailure().transform(failure -> new ProtocolException(ErrorCode.UNAVAILABLE,
                        "Kafka did not acknowledge the record; retry"));
    }
}
