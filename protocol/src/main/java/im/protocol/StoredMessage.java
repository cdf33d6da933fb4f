package im.protocol;

import java.util.List;

/**
 * A stored message as history-service's internal lookups describe it ({@code GET /v1/internal/messages/{messageId}} and
 * {@code GET /v1/internal/sent}): what the gateway checks a recall against and answers a retried send with. One record on
 * both sides of the call, so the JSON cannot drift between them.
 *
 * @param messageId the stored message's own id (an alias of a retry resolves to it)
 * @param conversationKey its conversation (the Kafka key it was written under)
 * @param senderId the user who sent it
 * @param sentAt when it was sent, epoch milliseconds
 * @param revoked whether it has been recalled
 * @param orderKey its position in the conversation (the offset it was stored from)
 * @param type v1.1: its type (a reply quotes it; only text and custom can be edited)
 * @param preview v1.1: what a reply quotes of it ({@link RepliedTo#preview})
 * @param reactions v1.1: the distinct reactions it has now
 * @param userReactions v1.1: the reactions the user named in the lookup ({@code ?userId=}) gave it; empty when not asked
 */
public record StoredMessage(String messageId, String conversationKey, String senderId, long sentAt, boolean revoked,
        long orderKey, MessageType type, String preview, List<String> reactions, List<String> userReactions) {

    /** Absent lists (an older history's answer) are empty. */
    public StoredMessage {
        reactions = reactions == null ? List.of() : reactions;
        userReactions = userReactions == null ? List.of() : userReactions;
    }

    /** A lookup's answer without the v1.1 fields. */
    public StoredMessage(String messageId, String conversationKey, String senderId, long sentAt, boolean revoked,
            long orderKey) {
        this(messageId, conversationKey, senderId, sentAt, revoked, orderKey, null, null, List.of(), List.of());
    }

    /** The quote a reply to this message carries. */
    public RepliedTo quote() {
        return new RepliedTo(messageId, senderId, type, preview == null ? RepliedTo.preview(type, null) : preview);
    }
}
