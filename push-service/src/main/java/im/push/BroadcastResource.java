package im.push;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;

import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

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
@Path("/v1/admin/broadcasts")
public class BroadcastResource {

    /** The request: the message and an optional priority. */
    public record BroadcastRequest(MessageContent message, Priority priority) {}

    /** The answer: the broadcast's id and time. */
    public record BroadcastResponse(String messageId, long timestamp) {}

    @Inject
    AdminAuth auth;

    @HeaderParam("Authorization")
    String authorization;

    @Inject
    @Channel("broadcast-out")
    Emitter<String> emitter;

    @POST
    public CompletionStage<BroadcastResponse> broadcast(BroadcastRequest request) {
        JsonWebToken jwt = auth.requireAdmin(authorization);
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
        Broadcast broadcast = new Broadcast(1, MessageIds.next(now), new Sender(jwt.getSubject(), name), now,
                request.priority() == null ? Priority.HIGH : request.priority(), request.message());
        List<RecordHeader> headers = List
                .of(new RecordHeader(RecordHeaders.TYPE, type.wireName().getBytes(StandardCharsets.UTF_8)));
        CompletableFuture<BroadcastResponse> done = new CompletableFuture<>();
        emitter.send(Message.of(JsonCodec.encode(broadcast))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withHeaders(headers).build())
                .withAck(() -> {
                    done.complete(new BroadcastResponse(broadcast.messageId(), now));
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    done.completeExceptionally(
                            new ProtocolException(ErrorCode.UNAVAILABLE, "Kafka refused the broadcast; retry"));
                    return CompletableFuture.completedFuture(null);
                }));
        return done.orTimeout(10, TimeUnit.SECONDS).exceptionally(failure -> {
            throw failure.getCause() instanceof ProtocolException p
                    ? p
                    : new ProtocolException(ErrorCode.UNAVAILABLE, "Kafka did not acknowledge the broadcast; retry");
        });
    }
}
