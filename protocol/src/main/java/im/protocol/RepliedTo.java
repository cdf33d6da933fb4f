package im.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * The message a reply quotes (v1.1). A {@code send} names only {@code messageId}; the gateway resolves it in the same
 * conversation and stamps the rest before writing the record, so routing and history carry the quote as it was when the
 * reply was sent (a later recall or edit of the quoted message does not change it, as in ZIM and Easemob).
 *
 * @param messageId the quoted message
 * @param senderId who sent the quoted message (stamped by the server)
 * @param type the quoted message's type (stamped by the server)
 * @param preview at most {@link #PREVIEW_MAX_CHARS} characters of its text, or the type's name when it has no text
 *        (stamped by the server)
 */
public record RepliedTo(String messageId, String senderId, MessageType type, String preview) {

    /** The longest preview, in characters. */
    public static final int PREVIEW_MAX_CHARS = 100;

    /** What a client names: just the message. */
    public static RepliedTo of(String messageId) {
        return new RepliedTo(messageId, null, null, null);
    }

    /** The preview of a message of {@code type} with {@code text} (null when the type has none). */
    public static String preview(MessageType type, String text) {
        if (text == null || text.isEmpty()) {
            return type == null ? null : type.wireName();
        }
        if (text.length() <= PREVIEW_MAX_CHARS) {
            return text;
        }
        // never cut a surrogate pair in two: the preview must stay valid text
        int end = PREVIEW_MAX_CHARS;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }

    /** Whether the server has stamped the quote (a record from a backend must carry all of it). Not a wire field. */
    @JsonIgnore
    public boolean isResolved() {
        return senderId != null && type != null && preview != null;
    }
}
