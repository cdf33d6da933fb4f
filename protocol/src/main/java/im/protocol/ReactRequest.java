package im.protocol;

/**
 * The {@code react} op (v1.1): adds a reaction to a message of a conversation, or with {@code remove} takes it back. The
 * frame is read again as this record (its fields are not {@link ClientFrame}'s).
 *
 * @param op always {@code react}
 * @param id optional request id, repeated in the ack
 * @param to the conversation
 * @param messageId the message reacted to
 * @param reaction 1-{@link Reaction#MAX_BYTES} bytes of UTF-8, no control characters
 * @param remove true to take the reaction back (taking back one not given is a no-op, acked)
 */
public record ReactRequest(String op, String id, ConversationRef to, String messageId, String reaction, Boolean remove) {

    /** Whether the reaction is taken back. */
    public boolean removes() {
        return Boolean.TRUE.equals(remove);
    }
}
