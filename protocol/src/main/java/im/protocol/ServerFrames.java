package im.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** Frames from server to client (PROTOCOL.md, server to client). Each record carries its {@code op}. */
public final class ServerFrames {

    private ServerFrames() {
    }

    /**
     * The answer to a request.
     *
     * @param op always {@code ack}
     * @param id the request's id
     * @param status success or failed
     * @param messageId send: the message's id
     * @param orderKey send: the message's order key (null for barrage, which has no stable order)
     * @param timestamp send: server time
     * @param error failed: why
     */
    public record Ack(String op, String id, String status, String messageId, Long orderKey, Long timestamp, ApiError error) {

        public static Ack success(String id, String messageId, Long orderKey, Long timestamp) {
            return new Ack("ack", id, "success", messageId, orderKey, timestamp, null);
        }

        public static Ack success(String id) {
            return success(id, null, null, null);
        }

        public static Ack failed(String id, ApiError error) {
            return new Ack("ack", id, "failed", null, null, null, error);
        }

        @JsonIgnore
        public boolean isSuccess() {
            return "success".equals(status);
        }
    }

    /**
     * Messages of one conversation, oldest first.
     *
     * @param op always {@code messages}
     * @param conversation the conversation as the receiver names it
     * @param messages one or more messages
     */
    public record Messages(String op, ConversationRef conversation, List<Message> messages) {

        public static Messages of(ConversationRef conversation, List<Message> messages) {
            return new Messages("messages", conversation, messages);
        }
    }

    /**
     * A server-wide push.
     *
     * @param op always {@code broadcast}
     * @param message the message
     */
    public record BroadcastFrame(String op, Message message) {

        public static BroadcastFrame of(Message message) {
            return new BroadcastFrame("broadcast", message);
        }
    }

    /**
     * The token runs out soon: answer with {@code renewToken}.
     *
     * @param op always {@code tokenWillExpire}
     * @param secondsLeft seconds until the session is closed
     */
    public record TokenWillExpire(String op, long secondsLeft) {

        public static TokenWillExpire of(long secondsLeft) {
            return new TokenWillExpire("tokenWillExpire", secondsLeft);
        }
    }

    /**
     * The server is about to close the session.
     *
     * @param op always {@code closing}
     * @param reason TOKEN_EXPIRED, SLOW_CONSUMER, KICKED or SHUTDOWN
     */
    public record Closing(String op, String reason) {

        public static Closing of(String reason) {
            return new Closing("closing", reason);
        }
    }

    /**
     * A frame that could not be read at all, or a refusal outside any request.
     *
     * @param op always {@code error}
     * @param error what went wrong
     */
    public record Error(String op, ApiError error) {

        public static Error of(ApiError error) {
            return new Error("error", error);
        }
    }

    /**
     * The answer to {@code ping}.
     *
     * @param op always {@code pong}
     * @param id the ping's id
     */
    public record Pong(String op, String id) {

        public static Pong of(String id) {
            return new Pong("pong", id);
        }
    }

    /**
     * A message was recalled: show its tombstone.
     *
     * @param op always {@code revoked}
     * @param conversation the conversation as the receiver names it
     * @param messageId the recalled message
     * @param by who recalled it
     */
    public record Revoked(String op, ConversationRef conversation, String messageId, String by) {

        public static Revoked of(ConversationRef conversation, String messageId, String by) {
            return new Revoked("revoked", conversation, messageId, by);
        }
    }

    /**
     * Somebody received or read messages up to an orderKey.
     *
     * @param op always {@code receipt}
     * @param conversation the conversation as the receiver names it
     * @param orderKey up to which message
     * @param userId who received or read
     * @param kind delivered or read
     */
    public record Receipt(String op, ConversationRef conversation, long orderKey, String userId, String kind) {

        public static Receipt of(ConversationRef conversation, long orderKey, String userId, String kind) {
            return new Receipt("receipt", conversation, orderKey, userId, kind);
        }
    }

    /**
     * The first frame of every session (v1.1): from here on, a message whose ack reaches its sender is pushed to this
     * session.
     *
     * @param op always {@code session}
     * @param sessionId this session's id
     * @param userId the user the token is for
     * @param serverTime the server's clock, epoch milliseconds
     */
    public record Session(String op, String sessionId, String userId, long serverTime) {

        public static Session of(String sessionId, String userId, long serverTime) {
            return new Session("session", sessionId, userId, serverTime);
        }
    }

    /**
     * A conversation changed for this user (v1.1, ZIM conversationChanged): a stored message arrived, another of the user's
     * devices read or cleared it, or a message in it was recalled or deleted for the user.
     *
     * @param op always {@code conversationChanged}
     * @param conversation the conversation as the user names it
     * @param lastMessage the newest message the user sees; absent when none
     * @param unreadCount the user's unread messages in it
     * @param mentions the user's pending mentions in it
     * @param updatedAt the conversation's last activity
     * @param removed true when the user removed it from their list (on another device): drop it until it changes again
     */
    public record ConversationChangedFrame(String op, ConversationRef conversation, Message lastMessage, long unreadCount,
            List<ConversationChanged.Mention> mentions, long updatedAt, Boolean removed) {

        public static ConversationChangedFrame of(ConversationRef conversation, Delivery.ConversationState state) {
            return new ConversationChangedFrame("conversationChanged", conversation, state.lastMessage(), state.unreadCount(),
                    state.mentions() == null ? List.of() : state.mentions(), state.updatedAt(),
                    Boolean.TRUE.equals(state.removed()) ? Boolean.TRUE : null);
        }
    }

    /**
     * The user's unread total over all conversations changed (v1.1, ZIM conversationTotalUnreadMessageCountUpdated).
     *
     * @param op always {@code totalUnreadChanged}
     * @param totalUnreadCount the new total
     */
    public record TotalUnreadChanged(String op, long totalUnreadCount) {

        public static TotalUnreadChanged of(long totalUnreadCount) {
            return new TotalUnreadChanged("totalUnreadChanged", totalUnreadCount);
        }
    }

    /**
     * A message's reactions changed (v1.1).
     *
     * @param op always {@code reactionsChanged}
     * @param conversation the conversation as the receiver names it
     * @param messageId the message
     * @param reactions its reactions now, each with its count and first users; empty when none is left
     */
    public record ReactionsChangedFrame(String op, ConversationRef conversation, String messageId, List<Reaction> reactions) {

        public static ReactionsChangedFrame of(ConversationRef conversation, String messageId, List<Reaction> reactions) {
            return new ReactionsChangedFrame("reactionsChanged", conversation, messageId,
                    reactions == null ? List.of() : reactions);
        }
    }

    /**
     * Its sender edited a message (v1.1).
     *
     * @param op always {@code messageEdited}
     * @param conversation the conversation as the receiver names it
     * @param message the whole message: its original stamps, the new content and {@code editedAt}
     */
    public record MessageEditedFrame(String op, ConversationRef conversation, Message message) {

        public static MessageEditedFrame of(ConversationRef conversation, Message message) {
            return new MessageEditedFrame("messageEdited", conversation, message);
        }
    }

    /** Reasons given in {@link Closing}. */
    public static final String TOKEN_EXPIRED = "TOKEN_EXPIRED";
    public static final String SLOW_CONSUMER = "SLOW_CONSUMER";
    public static final String KICKED = "KICKED";
    public static final String SHUTDOWN = "SHUTDOWN";
}
