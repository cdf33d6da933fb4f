package im.history.rest;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;

import im.edge.ServiceTokens;
import im.history.config.HistoryConfig;
import im.history.persistence.MessageEntity;
import im.protocol.ConversationKey;
import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.JsonCodec;
import im.protocol.Limits;
import im.protocol.MembershipView;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageType;
import im.protocol.ProtocolException;
import im.protocol.RepliedTo;
import im.protocol.StoredMessage;
import im.protocol.Text;

/**
 * Lookups and decisions for the other services inside the cluster, not passed through the gateway (keep this port off the
 * public network): the stored message behind an id (a recall's check, and v1.1 a reply's quote, a reaction's and an
 * edit's check; aliases of retries resolve to their message), the
 * first write of a (conversation, sender, clientMsgId) within the dedupe window (a retry on another node gets the first
 * ack), and group id claims (the first creator wins, whichever node it came through). The messages are
 * {@link StoredMessage}s, the record the gateway's client reads them as.
 */
@RolesAllowed(ServiceTokens.ROLE)
@Path("/v1/internal")
public class InternalResource {

    /** A group id claim: who claimed it first. */
    public record GroupClaim(String groupId, String ownerId, long claimedAt) {}

    @Inject
    EntityManager em;

    @Inject
    HistoryConfig config;

    @Inject
    MembershipView membership;

    @GET
    @Path("/messages/{messageId}")
    @Transactional
    public StoredMessage message(@PathParam("messageId") String messageId, @QueryParam("userId") String userId) {
        if (!Ids.isValid(messageId, Limits.MESSAGE_ID_MAX)) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "no such message");
        }
        MessageEntity row = MessageEntity.findById(messageId);
        if (row == null) {
            List<?> alias = em.createNativeQuery("select message_id from message_alias where alias_id = ?1")
                    .setParameter(1, messageId).getResultList();
            row = alias.isEmpty() ? null : MessageEntity.findById(alias.get(0));
        }
        if (row == null) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "no message " + messageId);
        }
        return withFeatures(row, userId);
    }

    /**
     * The v1.1 fields a reply, reaction or edit is checked against: the type, the quote's preview, the message's distinct
     * reactions and those {@code userId} gave (when named).
     */
    @SuppressWarnings("unchecked")
    private StoredMessage withFeatures(MessageEntity row, String userId) {
        MessageContent content = row.body == null ? null : JsonCodec.decode(row.body, Message.class).content();
        MessageType type = content == null ? null : content.type();
        String preview = content == null ? null : RepliedTo.preview(type, content.text());
        List<String> reactions = em.createNativeQuery("select distinct reaction from message_reaction where message_id = ?1")
                .setParameter(1, row.messageId).getResultList();
        List<String> mine = userId == null || !Ids.isValid(userId, Limits.ID_MAX_BYTES)
                ? List.of()
                : em.createNativeQuery("select reaction from message_reaction where message_id = ?1 and user_id = ?2")
                        .setParameter(1, row.messageId).setParameter(2, userId).getResultList();
        return new StoredMessage(row.messageId, row.conversationKey, row.senderId, row.sentAt, row.revokedAt != null,
                row.orderKey, type, preview, List.copyOf(reactions), List.copyOf(mine));
    }

    /** The message a (conversation, sender, clientMsgId) names within the dedupe window before {@code at}, if stored. */
    @GET
    @Path("/sent")
    @Transactional
    public StoredMessage sent(@QueryParam("conversationKey") String conversationKey, @QueryParam("senderId") String senderId,
            @QueryParam("clientMsgId") String clientMsgId, @QueryParam("at") Long at) {
        ConversationKey.parse(conversationKey);
        Ids.requireId(senderId, "sender");
        if (clientMsgId == null || clientMsgId.isEmpty() || clientMsgId.length() > Limits.CLIENT_MSG_ID_MAX) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "clientMsgId required");
        }
        Text.require(clientMsgId, "clientMsgId");
        long now = at == null ? System.currentTimeMillis() : at;
        List<?> ids = em.createNativeQuery("select message_id from message where conversation_key = ?1 and sender_id = ?2 "
                + "and client_msg_id = ?3 and sent_at > ?4 order by sent_at desc limit 1").setParameter(1, conversationKey)
                .setParameter(2, senderId).setParameter(3, clientMsgId)
                .setParameter(4, now - config.dedupeWindow().toMillis()).getResultList();
        if (ids.isEmpty()) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "not stored");
        }
        return stored(MessageEntity.findById(ids.get(0)));
    }

    /** Claims a group id for {@code ownerId}: 200 for the first claim (and the same owner again), 409 for anybody else. */
    @POST
    @Path("/groups/{groupId}/claim/{ownerId}")
    @Transactional
    public GroupClaim claim(@PathParam("groupId") String groupId, @PathParam("ownerId") String ownerId) {
        Ids.requireId(groupId, "group");
        Ids.requireId(ownerId, "owner");
        long now = System.currentTimeMillis();
        var existing = membership.group(groupId);
        if (existing.isPresent() && !ownerId.equals(existing.get().owner())) {
            throw new ProtocolException(ErrorCode.ALREADY_EXISTS, "group " + groupId + " exists");
        }
        em.createNativeQuery("insert into group_claim (group_id, owner_id, claimed_at) values (?1, ?2, ?3) "
                + "on conflict do nothing").setParameter(1, groupId).setParameter(2, ownerId).setParameter(3, now)
                .executeUpdate();
        Object[] row = (Object[]) em.createNativeQuery("select owner_id, claimed_at from group_claim where group_id = ?1")
                .setParameter(1, groupId).getSingleResult();
        if (!ownerId.equals(row[0])) {
            throw new ProtocolException(ErrorCode.ALREADY_EXISTS, "group " + groupId + " exists");
        }
        return new GroupClaim(groupId, ownerId, ((Number) row[1]).longValue());
    }

    private static StoredMessage stored(MessageEntity row) {
        return new StoredMessage(row.messageId, row.conversationKey, row.senderId, row.sentAt, row.revokedAt != null,
                row.orderKey);
    }
}
