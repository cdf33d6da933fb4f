package im.history.rest;

import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import im.history.persistence.MessageEntity;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Lookups for the other services inside the cluster (the gateway checks a recall against the stored message). Not passed
 * through the gateway: keep this port off the public network.
 */
@Path("/v1/internal")
public class InternalResource {

    /** What a recall is checked against. */
    public record StoredMessage(String messageId, String conversationKey, String senderId, long sentAt, boolean revoked) {}

    @GET
    @Path("/messages/{messageId}")
    @Transactional
    public StoredMessage message(@PathParam("messageId") String messageId) {
        if (!im.protocol.Ids.isValid(messageId, im.protocol.Limits.MESSAGE_ID_MAX)) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "no such message");
        }
        MessageEntity row = MessageEntity.findById(messageId);
        if (row == null) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "no message " + messageId);
        }
        return new StoredMessage(row.messageId, row.conversationKey, row.senderId, row.sentAt, row.revokedAt != null);
    }
}
