package im.protocol;

/**
 * The value of a record on {@code im.broadcast} (schema {@code broadcast.v1.json}): a server-wide push that every gateway
 * node sends to every connected session.
 *
 * @param v schema version, always 1
 * @param messageId time-ordered id
 * @param sender who sent it (an operator or a backend)
 * @param timestamp epoch milliseconds
 * @param priority low, medium or high
 * @param message the type and the type's fields
 */
public record Broadcast(int v, String messageId, Sender sender, long timestamp, Priority priority, MessageContent message) {

    /** The message as sessions receive it. */
    public Message toMessage() {
        return new Message(messageId, null, null, null, sender, timestamp, priority == null ? Priority.LOW : priority, null,
                null, message);
    }
}
