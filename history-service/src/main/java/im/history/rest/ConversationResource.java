package im.history.rest;

import java.util.function.Supplier;

import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.Authenticated;

import im.edge.BearerTokens;
import im.edge.Params;
import im.history.messaging.LiveConversations;
import im.history.messaging.ReceiptPublisher;
import im.history.service.Access;
import im.history.service.HistoryQueries;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.MessageRules;
import im.protocol.ProtocolException;

/**
 * The caller's conversations and their history (PROTOCOL.md, HTTP): {@code GET /v1/conversations},
 * {@code GET /v1/conversations/{type}/{id}/messages?before=&after=&limit=}, {@code POST /v1/conversations/{type}/{id}/read}
 * (also sent to the conversation as a read receipt), {@code GET /v1/conversations/{type}/{id}/receipts?orderKey=}, and the
 * deletes for me (v1.1, 204): {@code DELETE …/{type}/{id}/messages/{messageId}}, {@code DELETE …/{type}/{id}/messages}
 * (clear), {@code DELETE …/{type}/{id}} (remove from my list).
 */
@Authenticated
@Path("/v1/conversations")
public class ConversationResource {

    /** Read request: everything up to and including this orderKey is read. */
    public record ReadRequest(Long orderKey) {}

    /** Read answer: the stored read position. */
    public record ReadResponse(long orderKey) {}

    @Inject
    Access access;

    @Inject
    HistoryQueries queries;

    @Inject
    ReceiptPublisher receipts;

    @Inject
    LiveConversations live;

    @Inject
    JsonWebToken jwt;

    @GET
    public HistoryQueries.ConversationList list(@QueryParam("cursor") String cursor, @QueryParam("since") String since,
            @QueryParam("limit") String limit) {
        return queries.conversations(BearerTokens.userOf(jwt), Params.text(cursor, "cursor", 200),
                Params.optionalLong(since, "since"), Params.optionalInt(limit, "limit"));
    }

    @GET
    @Path("/{type}/{id}/messages")
    public HistoryQueries.Page messages(@PathParam("type") String type, @PathParam("id") String id,
            @QueryParam("before") String before, @QueryParam("after") String after, @QueryParam("limit") String limit) {
        String userId = BearerTokens.userOf(jwt);
        ConversationKey key = keyOf(userId, type, id);
        access.requireParticipant(userId, key);
        return queries.history(userId, key, Params.optionalLong(before, "before"), Params.optionalLong(after, "after"),
                Params.optionalInt(limit, "limit"));
    }

    @POST
    @Path("/{type}/{id}/read")
    public ReadResponse read(@PathParam("type") String type, @PathParam("id") String id, ReadRequest request) {
        String userId = BearerTokens.userOf(jwt);
        ConversationKey key = keyOf(userId, type, id);
        access.requireParticipant(userId, key);
        if (request == null || request.orderKey() == null || request.orderKey() < 0) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "body {\"orderKey\": n} required");
        }
        long position = changedForMe(userId, key, false, () -> {
            long stored = queries.markRead(userId, key, request.orderKey());
            receipts.read(userId, key, request.orderKey());
            return stored;
        });
        return new ReadResponse(position);
    }

    /** Deletes one message for me: others keep it. */
    @DELETE
    @Path("/{type}/{id}/messages/{messageId}")
    public void deleteMessage(@PathParam("type") String type, @PathParam("id") String id,
            @PathParam("messageId") String messageId) {
        String userId = BearerTokens.userOf(jwt);
        ConversationKey key = keyOf(userId, type, id);
        MessageRules.requireMessageId(messageId);
        access.requireParticipant(userId, key);
        changedForMe(userId, key, false, () -> {
            queries.deleteMessage(userId, key, messageId);
            return null;
        });
    }

    /** Clears the conversation for me, up to now. */
    @DELETE
    @Path("/{type}/{id}/messages")
    public void clear(@PathParam("type") String type, @PathParam("id") String id) {
        String userId = BearerTokens.userOf(jwt);
        ConversationKey key = keyOf(userId, type, id);
        access.requireParticipant(userId, key);
        changedForMe(userId, key, false, () -> {
            queries.clear(userId, key);
            return null;
        });
    }

    /** Removes the conversation from my list; it comes back with the next message. */
    @DELETE
    @Path("/{type}/{id}")
    public void remove(@PathParam("type") String type, @PathParam("id") String id) {
        String userId = BearerTokens.userOf(jwt);
        ConversationKey key = keyOf(userId, type, id);
        access.requireParticipant(userId, key);
        changedForMe(userId, key, true, () -> {
            queries.remove(userId, key);
            return null;
        });
    }

    /**
     * Runs a read or delete of {@code userId}'s in {@code key}, then tells all of their sessions what they now see of it
     * (the live event; the total too when the unread count moved).
     */
    private <T> T changedForMe(String userId, ConversationKey key, boolean removed, Supplier<T> change) {
        Long before = live.unreadBefore(userId, key);
        T result = change.get();
        live.userChanged(userId, key, before, removed);
        return result;
    }

    @GET
    @Path("/{type}/{id}/receipts")
    public HistoryQueries.Receipts receipts(@PathParam("type") String type, @PathParam("id") String id,
            @QueryParam("orderKey") String orderKeyParam) {
        String userId = BearerTokens.userOf(jwt);
        ConversationKey key = keyOf(userId, type, id);
        access.requireParticipant(userId, key);
        Long orderKey = Params.optionalLong(orderKeyParam, "orderKey");
        if (orderKey == null || orderKey < 0) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "orderKey required");
        }
        return queries.receipts(key, orderKey);
    }

    static ConversationKey keyOf(String userId, String type, String id) {
        return ConversationKey.of(userId, new ConversationRef(ConversationType.fromWire(type), Ids.requireId(id, type)));
    }
}
