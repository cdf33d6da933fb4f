package im.protocol;

import java.util.List;

/**
 * What a client asks to send: the fields of the {@code send} op, also the body of {@code POST /v1/messages}.
 *
 * @param to the conversation: peer user, group or room
 * @param message the type and the type's fields
 * @param clientMsgId client-chosen id; a retry with the same id is one message
 * @param priority low (default), medium or high
 * @param mentions who the message mentions
 * @param toUserIds room command only: just these users
 * @param receipt whether the sender wants delivered/read receipts
 * @param repliedTo v1.1: the message this one replies to ({@code messageId} only; the server fills the rest)
 */
public record SendRequest(
        ConversationRef to,
        MessageContent message,
        String clientMsgId,
        Priority priority,
        Mentions mentions,
        List<String> toUserIds,
        Boolean receipt,
        RepliedTo repliedTo) {

    /** A request that replies to nothing. */
    public SendRequest(ConversationRef to, MessageContent message, String clientMsgId, Priority priority, Mentions mentions,
            List<String> toUserIds, Boolean receipt) {
        this(to, message, clientMsgId, priority, mentions, toUserIds, receipt, null);
    }
}
