package im.push;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.smallrye.mutiny.Uni;

import im.edge.BearerTokens;
import im.protocol.Broadcast;
import im.protocol.ConversationType;
import im.protocol.ErrorCode;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.MessageRules;
import im.protocol.MessageType;
import im.protocol.Priority;
import im.protocol.ProtocolException;
import im.protocol.Sender;

/**
 * {@code POST /v1/admin/broadcasts}: a server-wide push, for operators and backends holding an admin token (groups claim
 * {@code admin}), never a plain user token. Written to {@code im.broadcast}; every gateway node pushes it to every session.
 */
@RolesAllowed("admin")
@Path("/v1/admin/broadcasts")
public class BroadcastResource {

    /** The request: the message and an optional priority. */
    public record BroadcastRequest(MessageContent message, Priority priority) {}

    /** The answer: the broadcast's id and time. */
    public record BroadcastResponse(String messageId, long timestamp) {}

    @Inject
    JsonWebToken jwt;

    @Inject
    BroadcastTopic topic;

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
        return topic.write(broadcast, type.wireName()).replaceWith(new BroadcastResponse(broadcast.messageId(), now));
    }
}
