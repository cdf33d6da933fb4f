package im.protocol;

/**
 * The value of an {@code im.notifications} record (key = userId, schema {@code notification.v1.json}): a stored message
 * reached a recipient who had no online session, which a push-notification bridge (FCM/APNs) turns into a push.
 *
 * @param v schema version, always 1
 * @param userId the recipient
 * @param conversation the conversation as the recipient names it (for peer, the other user)
 * @param messageId the stored message
 * @param orderKey the message's orderKey in its conversation
 * @param senderId who sent it
 * @param senderName the sender's display name, if the token carried one
 * @param timestamp when it was sent, epoch milliseconds
 * @param preview at most {@value #PREVIEW_MAX_CHARS} characters of a text message's text, else the message type
 * @param conversationUnreadCount the recipient's unread messages in the conversation, this one included
 * @param totalUnreadCount the recipient's unread messages in all conversations, this one included
 * @param mentioned whether the message mentions the recipient (by id, or everybody)
 */
public record Notification(
        int v,
        String userId,
        ConversationRef conversation,
        String messageId,
        long orderKey,
        String senderId,
        String senderName,
        long timestamp,
        String preview,
        long conversationUnreadCount,
        long totalUnreadCount,
        boolean mentioned) {

    public static final int VERSION = 1;
    /** The {@code im-type} header of a notification record. */
    public static final String TYPE = "notification";
    /** Longest preview, in characters (a surrogate pair is never split). */
    public static final int PREVIEW_MAX_CHARS = 100;

    /** The preview of a message: the first {@value #PREVIEW_MAX_CHARS} characters of a text, or the type's name. */
    public static String preview(MessageContent content) {
        if (content.type() == MessageType.TEXT && content.text() != null) {
            String text = content.text();
            if (text.length() <= PREVIEW_MAX_CHARS) {
                return text;
            }
            int end = Character.isHighSurrogate(text.charAt(PREVIEW_MAX_CHARS - 1))
                    ? PREVIEW_MAX_CHARS - 1
                    : PREVIEW_MAX_CHARS;
            return text.substring(0, end);
        }
        return content.type().wireName();
    }
}
