package im.protocol;

import java.util.List;

/**
 * The value of a record on {@code im.messages.reliable}, {@code im.messages.signal} and {@code im.messages.barrage}
 * (schema {@code message-envelope.v1.json}). Gateways write it for users; backends may write it directly.
 *
 * @param v schema version, always 1
 * @param messageId time-ordered id stamped by the producer
 * @param clientMsgId the sender's id for retries: the same sender and clientMsgId in one conversation is one message
 * @param conversationKey the record's key, repeated in the value
 * @param to the conversation as the sender addressed it
 * @param sender who sent it
 * @param timestamp producer time in epoch milliseconds
 * @param priority low, medium or high; null means low
 * @param mentions who the message mentions
 * @param toUserIds room command only: just these users; null or empty means the whole room
 * @param receipt whether the sender asked for receipts
 * @param origin gateway node and session the message came from; null for backend records
  * @param message the type and the type's fields; null when the record carries an {@code action}
 * @param action a recall or a receipt instead of a message (reliable topic only); null for messages
 * @param repliedTo v1.1: the message this one replies to, stamped in full by the gateway; null when none
 */
public record Envelope(
        int v,
        String messageId,
        String clientMsgId,
        String conversationKey,
        ConversationRef to,
        Sender sender,
        long timestamp,
        Priority priority,
        Mentions mentions,
        List<String> toUserIds,
        Boolean receipt,
        Origin origin,
        MessageContent message,
        Action action,
        RepliedTo repliedTo) {

    public static final int VERSION = 1;

    /** A record that replies to nothing. */
    public Envelope(int v, String messageId, String clientMsgId, String conversationKey, ConversationRef to, Sender sender,
            long timestamp, Priority priority, Mentions mentions, List<String> toUserIds, Boolean receipt, Origin origin,
            MessageContent message, Action action) {
        this(v, messageId, clientMsgId, conversationKey, to, sender, timestamp, priority, mentions, toUserIds, receipt, origin,
                message, action, null);
    }

    /** A message record (no action). */
    public Envelope(int v, String messageId, String clientMsgId, String conversationKey, ConversationRef to, Sender sender,
            long timestamp, Priority priority, Mentions mentions, List<String> toUserIds, Boolean receipt, Origin origin,
            MessageContent message) {
        this(v, messageId, clientMsgId, conversationKey, to, sender, timestamp, priority, mentions, toUserIds, receipt, origin,
                message, null);
    }

    /** The message as recipients see it, before routing stamps its order. */
    public Message toMessage() {
        return new Message(messageId, clientMsgId, null, null, sender, timestamp, priority == null ? Priority.LOW : priority,
                mentions, null, null, repliedTo, null, null, message);
    }

    /** The same record with other content (the gateway fills a media message from its upload). */
    public Envelope withMessage(MessageContent content) {
        return new Envelope(v, messageId, clientMsgId, conversationKey, to, sender, timestamp, priority, mentions, toUserIds,
                receipt, origin, content, action, repliedTo);
    }

    /** The same record replying to {@code quoted} (the gateway stamps the resolved quote). */
    public Envelope withRepliedTo(RepliedTo quoted) {
        return new Envelope(v, messageId, clientMsgId, conversationKey, to, sender, timestamp, priority, mentions, toUserIds,
                receipt, origin, message, action, quoted);
    }

    /** The effective priority. */
    public Priority effectivePriority() {
        return priority == null ? Priority.LOW : priority;
    }
}
