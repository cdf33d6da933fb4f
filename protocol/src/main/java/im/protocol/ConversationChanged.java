package im.protocol;

import java.util.List;

/**
 * The payload of a {@code conversationChanged} action (v1.1, written by history to {@code im.messages.reliable} in the
 * conversation's order): what each named user now sees of the conversation, after a stored batch, a read, a recall or a
 * delete for them. Routing pushes each user's part to all of that user's sessions as a {@code conversationChanged} frame
 * (and a {@code totalUnreadChanged} frame when {@code totalUnreadCount} is there). Users who see different last messages
 * (one deleted it for themselves) are in different records.
 *
 * @param lastMessage the newest message these users see; null when they cleared or deleted them all
 * @param updatedAt the conversation's last activity, epoch milliseconds
 * @param users one entry per user, at most {@link #MAX_USERS}
 */
public record ConversationChanged(Message lastMessage, long updatedAt, List<UserState> users) {

    /** Most users one record names. */
    public static final int MAX_USERS = 1000;
    /** Most pending mentions one user's entry carries (the oldest first; the conversation list has them all). */
    public static final int MAX_MENTIONS = 100;

    /**
     * One user's view of the conversation.
     *
     * @param userId the user
     * @param unreadCount their unread messages in it
     * @param mentions their pending mentions in it, oldest first, at most {@link #MAX_MENTIONS}
     * @param totalUnreadCount their unread total over all conversations, when it changed; null otherwise
     * @param removed true when the user removed the conversation from their list (their other devices drop it too)
     */
    public record UserState(String userId, long unreadCount, List<Mention> mentions, Long totalUnreadCount,
            Boolean removed) {

        /** A user's state in a conversation still on their list. */
        public UserState(String userId, long unreadCount, List<Mention> mentions, Long totalUnreadCount) {
            this(userId, unreadCount, mentions, totalUnreadCount, null);
        }
    }

    /**
     * A pending mention, as in the conversation list.
     *
     * @param messageId the message that mentions
     * @param orderKey its orderKey
     * @param senderId who mentioned
     * @param all whether it mentions everybody
     */
    public record Mention(String messageId, long orderKey, String senderId, boolean all) {}
}
