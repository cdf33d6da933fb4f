package im.gateway.messaging;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import im.protocol.Envelope;
import im.protocol.MessageClass;

/**
 * Writes user messages to the topic of their class, keyed by conversation. Reliable messages go through an idempotent
 * producer with acks=all; signal and barrage through a lighter acks=1 producer (see application.properties).
 */
@ApplicationScoped
public class MessagePublisher {
    static final String RELIABLE = "messages-reliable";
    static final String FAST = "messages-fast";

    @Inject
    @Channel(RELIABLE)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 8192)
    Emitter<String> reliable;

    @Inject
    @Channel(FAST)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 8192)
    Emitter<String> fast;

    /** Produces the envelope and completes with its partition offset once the broker has it. */
    public CompletableFuture<RecordMetadata> publish(Envelope envelope, String json) {
        MessageClass messageClass = envelope.action() != null
                ? MessageClass.RELIABLE
                : envelope.message().type().messageClass();
        String type = envelope.action() != null ? envelope.action().type() : envelope.message().type().wireName();
        RecordHeaders headers = new RecordHeaders();
        headers.add(im.protocol.RecordHeaders.TYPE, type.getBytes(StandardCharsets.UTF_8));
        Emitter<String> emitter = messageClass == MessageClass.RELIABLE ? reliable : fast;
        return KafkaSend.send(emitter, messageClass.topic(), envelope.conversationKey(), json, headers);
    }
}
