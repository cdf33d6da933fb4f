package im.protocol;

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
 */
public record StoredMessage(String messageId, String conversationKey, String senderId, long sentAt, boolean revoked,
        long orderKey) {}
