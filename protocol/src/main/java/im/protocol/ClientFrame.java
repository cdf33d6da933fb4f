package im.protocol;

import java.util.List;

/**
 * A frame from client to server: {@code op} says which of the other fields matter (PROTOCOL.md, client to server).
 *
 * @param op send, enterRoom, leaveRoom, revoke, receipt, renewToken, ping or logout (v1.1)
 * @param id optional request id, repeated in the answer
 * @param to send, revoke, receipt: the conversation
 * @param message send: the message
 * @param clientMsgId send: client-chosen id for retries
 * @param priority send: low, medium or high
 * @param mentions send: who is mentioned
 * @param toUserIds send, room command only: just these users
 * @param receipt send: whether receipts are wanted
 * @param roomId enterRoom, leaveRoom: the room
 * @param messageId revoke: the message
 * @param orderKey receipt: up to which message
 * @param kind receipt: delivered or read
 * @param token renewToken: the new token
 * @param traceparent any op, optional: the client's W3C trace context, which the records the op causes continue (a
 *        malformed value starts a new trace)
 * @param repliedTo send (v1.1): the message this one replies to, by {@code messageId}
 */
public record ClientFrame(
        String op,
        String id,
        ConversationRef to,
        MessageContent message,
        String clientMsgId,
        Priority priority,
        Mentions mentions,
        List<String> toUserIds,
        Boolean receipt,
        String roomId,
        String messageId,
        Long orderKey,
        String kind,
        String token,
        String traceparent,
        RepliedTo repliedTo) {

    /** A frame that replies to nothing. */
    public ClientFrame(String op, String id, ConversationRef to, MessageContent message, String clientMsgId,
            Priority priority, Mentions mentions, List<String> toUserIds, Boolean receipt, String roomId, String messageId,
            Long orderKey, String kind, String token, String traceparent) {
        this(op, id, to, message, clientMsgId, priority, mentions, toUserIds, receipt, roomId, messageId, orderKey, kind,
                token, traceparent, null);
    }

    /** A frame without trace context. */
    public ClientFrame(String op, String id, ConversationRef to, MessageContent message, String clientMsgId,
            Priority priority, Mentions mentions, List<String> toUserIds, Boolean receipt, String roomId, String messageId,
            Long orderKey, String kind, String token) {
        this(op, id, to, message, clientMsgId, priority, mentions, toUserIds, receipt, roomId, messageId, orderKey, kind,
                token, null, null);
    }

    public static final String SEND = "send";
    public static final String ENTER_ROOM = "enterRoom";
    public static final String LEAVE_ROOM = "leaveRoom";
    public static final String REVOKE = "revoke";
    public static final String RECEIPT = "receipt";
    public static final String RENEW_TOKEN = "renewToken";
    public static final String PING = "ping";
    /** Ends the session (v1.1): acked, then closed with 1000; the user is offline at once if it was the last one. */
    public static final String LOGOUT = "logout";
    /** Edits one of one's own text or custom messages (v1.1): {@code to}, {@code messageId}, {@code message}. */
    public static final String EDIT = "edit";
    /** Adds or removes a reaction (v1.1); its fields are read as a {@link ReactRequest}. */
    public static final String REACT = "react";

    /** The send op's fields. */
    public SendRequest toSendRequest() {
        return new SendRequest(to, message, clientMsgId, priority, mentions, toUserIds, receipt, repliedTo);
    }

    /** A send frame, as a client library writes it. */
    public static ClientFrame send(String id, SendRequest request) {
        return new ClientFrame(SEND, id, request.to(), request.message(), request.clientMsgId(), request.priority(),
                request.mentions(), request.toUserIds(), request.receipt(), null, null, null, null, null, null,
                request.repliedTo());
    }

    /** A frame that names a room: enterRoom or leaveRoom. */
    public static ClientFrame room(String op, String id, String roomId) {
        return new ClientFrame(op, id, null, null, null, null, null, null, null, roomId, null, null, null, null);
    }

    /** A ping, logout or renewToken frame. */
    public static ClientFrame simple(String op, String id, String token) {
        return new ClientFrame(op, id, null, null, null, null, null, null, null, null, null, null, null, token);
    }
}
