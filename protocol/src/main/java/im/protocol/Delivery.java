package im.protocol;

import java.util.List;

/**
 * The value of a record on {@code im.deliveries} (schema {@code delivery.v1.json}): what one gateway node must push to
 * which of its sessions. Routing writes one record per node that holds a recipient, to the partition of that node's slot.
 *
 * @param v schema version, always 1
 * @param nodeId the gateway node that must push it
 * @param conversationKey the conversation
 * @param userIds the recipients on that node; null for a whole-room delivery
 * @param roomId for room conversations: push only to sessions that entered this room
 * @param excludeSessionId the sending session, which gets an ack instead
  * @param message the message, with orderKey and prevOrderKey stamped; null for a recall or a receipt
 * @param revoked a recall, pushed as a {@code revoked} frame
 * @param receipt a receipt, pushed as a {@code receipt} frame
 * @param replay true for a message routed again because a recipient's session appeared after routing first looked: the
 *            gateway pushes it only to sessions that have not had it
 * @param conversationChanged what the one user named in {@code userIds} now sees of the conversation (v1.1), pushed to all
 *            of that user's sessions as a {@code conversationChanged} frame (and {@code totalUnreadChanged})
 * @param reactionsChanged v1.1: a message's reactions now, pushed as a {@code reactionsChanged} frame
 * @param messageEdited v1.1: an edited message (the whole message), pushed as a {@code messageEdited} frame
 */
public record Delivery(
        int v,
        String nodeId,
        String conversationKey,
        List<String> userIds,
        String roomId,
        String excludeSessionId,
        Message message,
        Revoked revoked,
        Receipt receipt,
        Boolean replay,
        ConversationState conversationChanged,
        ReactionsChanged reactionsChanged,
        Message messageEdited) {

    /** A delivery without the v1.1 message features. */
    public Delivery(int v, String nodeId, String conversationKey, List<String> userIds, String roomId, String excludeSessionId,
            Message message, Revoked revoked, Receipt receipt, Boolean replay, ConversationState conversationChanged) {
        this(v, nodeId, conversationKey, userIds, roomId, excludeSessionId, message, revoked, receipt, replay,
                conversationChanged, null, null);
    }

    /** A delivery without a conversation change. */
    public Delivery(int v, String nodeId, String conversationKey, List<String> userIds, String roomId, String excludeSessionId,
            Message message, Revoked revoked, Receipt receipt, Boolean replay) {
        this(v, nodeId, conversationKey, userIds, roomId, excludeSessionId, message, revoked, receipt, replay, null);
    }

    /** A delivery that is not a replay. */
    public Delivery(int v, String nodeId, String conversationKey, List<String> userIds, String roomId, String excludeSessionId,
            Message message, Revoked revoked, Receipt receipt) {
        this(v, nodeId, conversationKey, userIds, roomId, excludeSessionId, message, revoked, receipt, null);
    }

    /** A message delivery. */
    public Delivery(int v, String nodeId, String conversationKey, List<String> userIds, String roomId, String excludeSessionId,
            Message message) {
        this(v, nodeId, conversationKey, userIds, roomId, excludeSessionId, message, null, null, null);
    }

    /**
     * A recall.
     *
     * @param messageId the recalled message
     * @param by who recalled it
     */
    public record Revoked(String messageId, String by) {}

    /**
     * A message's reactions now (v1.1).
     *
     * @param messageId the message
     * @param reactions its reactions; empty when none is left
     */
    public record ReactionsChanged(String messageId, List<Reaction> reactions) {}

    /**
     * A receipt.
     *
     * @param orderKey up to which message
     * @param userId who received or read
     * @param kind delivered or read
     */
    public record Receipt(long orderKey, String userId, String kind) {}

    /**
     * A user's view of a conversation that changed (v1.1).
     *
     * @param lastMessage the newest message the user sees; null when none
     * @param updatedAt the conversation's last activity
     * @param unreadCount the user's unread messages in it
     * @param mentions the user's pending mentions in it
     * @param totalUnreadCount the user's unread total, when it changed; null otherwise
     * @param removed true when the user removed the conversation from their list
     */
    public record ConversationState(Message lastMessage, long updatedAt, long unreadCount,
            List<ConversationChanged.Mention> mentions, Long totalUnreadCount, Boolean removed) {

        /** The state of a conversation still on the user's list. */
        public ConversationState(Message lastMessage, long updatedAt, long unreadCount,
                List<ConversationChanged.Mention> mentions, Long totalUnreadCount) {
            this(lastMessage, updatedAt, unreadCount, mentions, totalUnreadCount, null);
        }
    }
}
