package im.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A change to a conversation that travels in its order on {@code im.messages.reliable} instead of a message: a recall
 * ({@code revoke}), a delivered/read receipt ({@code receipt}), or what its users now see of it
 * ({@code conversationChanged}, v1.1, written by history).
 *
 * @param type {@code revoke}, {@code receipt} or {@code conversationChanged}
 * @param messageId revoke: the message recalled
 * @param orderKey receipt: everything up to this orderKey
 * @param kind receipt: {@code delivered} or {@code read}
 * @param changed conversationChanged: the users and what each sees
 */
public record Action(String type, String messageId, Long orderKey, String kind, ConversationChanged changed) {

    public static final String REVOKE = "revoke";
    public static final String RECEIPT = "receipt";
    public static final String DELIVERED = "delivered";
    public static final String READ = "read";
    public static final String CONVERSATION_CHANGED = "conversationChanged";

    /** A recall or a receipt. */
    public Action(String type, String messageId, Long orderKey, String kind) {
        this(type, messageId, orderKey, kind, null);
    }

    public static Action revoke(String messageId) {
        return new Action(REVOKE, messageId, null, null);
    }

    public static Action receipt(long orderKey, String kind) {
        return new Action(RECEIPT, null, orderKey, kind);
    }

    public static Action conversationChanged(ConversationChanged changed) {
        return new Action(CONVERSATION_CHANGED, null, null, null, changed);
    }

    /** Not a wire field (Jackson would write {@code is…} methods as properties). */
    @JsonIgnore
    public boolean isRevoke() {
        return REVOKE.equals(type);
    }

    /** Not a wire field. */
    @JsonIgnore
    public boolean isReceipt() {
        return RECEIPT.equals(type);
    }

    /** Not a wire field. */
    @JsonIgnore
    public boolean isConversationChanged() {
        return CONVERSATION_CHANGED.equals(type);
    }
}
