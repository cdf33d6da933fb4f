package im.push;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;

import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

import im.edge.BearerTokens;
import im.protocol.Broadcast;
import im.protocol.ConversationType;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.MessageRules;
import im.protocol.MessageType;
import im.protocol.Priority;
import im.protocol.ProtocolException;
import im.protocol.RecordHeaders;
import im.protocol.Sender;

/**
 * {@code POST /v1/admin/broadcasts}: a server-wide push, for operators and backends holding an admin token (groups claim
 * {@code admin}), never a plain user token. Written to {@code im.broadcast}; every gateway node pushes it to every session.
 */
@RolesAllowed("admin")
@Path("/v1/admin/broadcasts")
public class BroadcastResource {
    /** Outgoing channel to {@code im.broadcast} (application.properties, acks=all). */
    public static final String CHANNEL = "broadcast-out";

    /** The request: the message and an optional priority. */
    public record BroadcastRequest(MessageContent message, Priority priority) {}

    /** The answer: the broadcast's id and time. */
    public record BroadcastResponse(String messageId, long timestamp) {}

    @Inject
    JsonWebToken jwt;

    @Inject
    @Channel(CHANNEL)
    MutinyEmitter<String> emitter;

    @POST
    public Uni<BroadcastResponse> broadcast(BroadcastRequest request) {
        if (request == null || request.message() == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "body {\"message\": {...}} required");
        }
        MessageRules.checkContent(request.message(), ConversationType.ROOM);
        MessageType type = request.message().type();
        if (type.isMedia() && request.message().mediaId() != null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "broadcast media by URL, not mediaId");
        }
        long now = System.currentTimeMillis();
        String name = jwt.getClaim("name");
        Broadcast broadcast = new Broadcast(1, MessageIds.next(now), new Sender(BearerTokens.userOf(jwt), name), now,
                request.priority() == null ? Priority.HIGH : request.priority(), request.message());
        List<RecordHeader> headers = List
                .of(new RecordHeader(RecordHeaders.TYPE, type.wireName().getBytes(StandardCharsets.UTF_8)));
        // completes once Kafka has acknowledged the record (acks=all), fails on a refusal or after 10 s
        return emitter.sendMessage(Message.of(JsonCodec.encode(broadcast))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withHeaders(headers).build()))
                .ifNoItem().after(Duration.ofSeconds(10)).fail()
                .onItemOrFailure().transform((acked, failure) -> {
                    if (failure != null) {
                        throw new ProtocolException(ErrorCode.UNAVAILABLE, "Kafka did not acknowledge the broadcast; retry");
                    }
                    return new BroadcastResponse(broadcast.messageId(), now);
                });
    }
}
