package im.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A change to a conversation that travels in its order on {@code im.messages.reliable} instead of a message: a recall
 * ({@code revoke}), a delivered/read receipt ({@code receipt}), or what its users now see of it
 * ({@code conversationChanged}, v1.1, written by history). v1.1 message features: a user's reaction ({@code react}) or
 * edit ({@code edit}), written by the gateway and applied by history, and what participants now see of the message
 * ({@code reactionsChanged}, {@code messageEdited}), written by history and delivered by routing.
 *
 * @param type {@code revoke}, {@code receipt}, {@code conversationChanged}, {@code react}, {@code reactionsChanged},
 *        {@code edit} or {@code messageEdited}
 * @param messageId revoke, react, reactionsChanged, edit, messageEdited: the message concerned
 * @param orderKey receipt: everything up to this orderKey
 * @param kind receipt: {@code delivered} or {@code read}
 * @param changed conversationChanged: the users and what each sees
 * @param reaction react: the reaction (1-32 bytes of UTF-8, no control characters)
 * @param remove react: true when the user takes the reaction back
 * @param reactions reactionsChanged: the message's reactions now (empty when none is left)
 * @param content edit: the new content (text or custom), checked and moderated by the gateway
 * @param message messageEdited: the whole message as edited (original stamps, new content, {@code editedAt})
 */
public record Action(String type, String messageId, Long orderKey, String kind, ConversationChanged changed,
        String reaction, Boolean remove, List<Reaction> reactions, MessageContent content, Message message) {

    public static final String REVOKE = "revoke";
    public static final String RECEIPT = "receipt";
    public static final String DELIVERED = "delivered";
    public static final String READ = "read";
    public static final String CONVERSATION_CHANGED = "conversationChanged";
    public static final String REACT = "react";
    public static final String REACTIONS_CHANGED = "reactionsChanged";
    public static final String EDIT = "edit";
    public static final String MESSAGE_EDITED = "messageEdited";

    /** A recall, a receipt or a conversation change. */
    public Action(String type, String messageId, Long orderKey, String kind, ConversationChanged changed) {
        this(type, messageId, orderKey, kind, changed, null, null, null, null, null);
    }

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

    /** A user's reaction to a message, or with {@code remove} its withdrawal (v1.1). */
    public static Action react(String messageId, String reaction, boolean remove) {
        return new Action(REACT, messageId, null, null, null, reaction, remove ? Boolean.TRUE : null, null, null, null);
    }

    /** A message's reactions as they are now (v1.1, written by history). */
    public static Action reactionsChanged(String messageId, List<Reaction> reactions) {
        return new Action(REACTIONS_CHANGED, messageId, null, null, null, null, null, reactions, null, null);
    }

    /** A sender's edit of a message: its new content (v1.1). */
    public static Action edit(String messageId, MessageContent content) {
        return new Action(EDIT, messageId, null, null, null, null, null, null, content, null);
    }

    /** An edited message as participants now see it (v1.1, written by history). */
    public static Action messageEdited(Message message) {
        return new Action(MESSAGE_EDITED, message.messageId(), null, null, null, null, null, null, null, message);
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

    /** Not a wire field. */
    @JsonIgnore
    public boolean isReact() {
        return REACT.equals(type);
    }

    /** Not a wire field. */
    @JsonIgnore
    public boolean isReactionsChanged() {
        return REACTIONS_CHANGED.equals(type);
    }

    /** Not a wire field. */
    @JsonIgnore
    public boolean isEdit() {
        return EDIT.equals(type);
    }

    /** Not a wire field. */
    @JsonIgnore
    public boolean isMessageEdited() {
        return MESSAGE_EDITED.equals(type);
    }

    /** Whether a remove is asked (react). Not a wire field. */
    @JsonIgnore
    public boolean removes() {
        return Boolean.TRUE.equals(remove);
    }
}
