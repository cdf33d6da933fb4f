package im.protocol;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A message as apps receive it: the server's stamps plus the type's fields of {@link MessageContent}, flattened into one
 * JSON object.
 *
 * @param messageId server-assigned, time-ordered id
 * @param clientMsgId the sender's id for retries
 * @param orderKey the message's offset in its conversation's partition: increases within a conversation
 * @param prevOrderKey the previous orderKey of this conversation as far as the server knows, or null
 * @param sender who sent it
 * @param timestamp server time in epoch milliseconds
 * @param priority low, medium or high
 * @param mentions who the message mentions, if anybody
 * @param conversation the conversation as the reader names it; set in search results and broadcasts, else null
  * @param revoked true when the sender recalled it: the type stays, every other field of the content is gone
 * @param repliedTo v1.1: the message this one replies to, as it was when the reply was sent; null when none
 * @param reactions v1.1: the reactions users gave it (history and search answers, messageEdited); null when none
 * @param editedAt v1.1: when its sender last edited it, epoch milliseconds; null when never
 * @param content the type and the type's fields
 */
@JsonDeserialize(using = Message.Reader.class)
public record Message(
        String messageId,
        String clientMsgId,
        Long orderKey,
        Long prevOrderKey,
        Sender sender,
        Long timestamp,
        Priority priority,
        Mentions mentions,
        ConversationRef conversation,
        Boolean revoked,
        RepliedTo repliedTo,
        List<Reaction> reactions,
        Long editedAt,
        @JsonUnwrapped MessageContent content) {

    /** A message without the v1.1 reply, reactions and edit stamps. */
    public Message(String messageId, String clientMsgId, Long orderKey, Long prevOrderKey, Sender sender, Long timestamp,
            Priority priority, Mentions mentions, ConversationRef conversation, Boolean revoked, MessageContent content) {
        this(messageId, clientMsgId, orderKey, prevOrderKey, sender, timestamp, priority, mentions, conversation, revoked,
                null, null, null, content);
    }

    /** A message that is not recalled. */
    public Message(String messageId, String clientMsgId, Long orderKey, Long prevOrderKey, Sender sender, Long timestamp,
            Priority priority, Mentions mentions, ConversationRef conversation, MessageContent content) {
        this(messageId, clientMsgId, orderKey, prevOrderKey, sender, timestamp, priority, mentions, conversation, null,
                content);
    }

    /** This message with the order stamps routing assigns. */
    public Message withOrder(long orderKey, Long prevOrderKey) {
        return new Message(messageId, clientMsgId, orderKey, prevOrderKey, sender, timestamp, priority, mentions, conversation,
                revoked, repliedTo, reactions, editedAt, content);
    }

    /** This message with its conversation named, as search results show it. */
    public Message inConversation(ConversationRef named) {
        return new Message(messageId, clientMsgId, orderKey, prevOrderKey, sender, timestamp, priority, mentions, named,
                revoked, repliedTo, reactions, editedAt, content);
    }

    /** This message with its reactions as they are now (v1.1); an empty list is none. */
    public Message withReactions(List<Reaction> now) {
        return new Message(messageId, clientMsgId, orderKey, prevOrderKey, sender, timestamp, priority, mentions, conversation,
                revoked, repliedTo, now == null || now.isEmpty() ? null : List.copyOf(now), editedAt, content);
    }

    /** This message edited by its sender at {@code at} (v1.1): the new content, every stamp kept. */
    public Message edited(MessageContent newContent, long at) {
        return new Message(messageId, clientMsgId, orderKey, prevOrderKey, sender, timestamp, priority, mentions, conversation,
                revoked, repliedTo, reactions, at, newContent);
    }

    /** The tombstone of a recalled message: the stamps and the type stay, the content is gone. */
    public Message recalled() {
        MessageContent typeOnly = new MessageContent(content.type(), null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        return new Message(messageId, clientMsgId, orderKey, prevOrderKey, sender, timestamp, priority, null, conversation,
                true, typeOnly);
    }

    /**
     * Reads the flat form back: the stamps by name, everything else as the {@link MessageContent}. Explicit, because
     * {@code @JsonUnwrapped} on a record creator does not read back under every class loader.
     */
    static final class Reader extends StdDeserializer<Message> {

        Reader() {
            super(Message.class);
        }

        @Override
        public Message deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            ObjectCodec codec = parser.getCodec();
            JsonNode node = codec.readTree(parser);
            if (!(node instanceof ObjectNode object)) {
                return (Message) context.handleUnexpectedToken(Message.class, parser);
            }
            return new Message(text(object, "messageId"), text(object, "clientMsgId"), number(object, "orderKey"),
                    number(object, "prevOrderKey"), value(codec, object, "sender", Sender.class), number(object, "timestamp"),
                    value(codec, object, "priority", Priority.class), value(codec, object, "mentions", Mentions.class),
                    value(codec, object, "conversation", ConversationRef.class), value(codec, object, "revoked", Boolean.class),
                    value(codec, object, "repliedTo", RepliedTo.class), reactions(codec, object),
                    number(object, "editedAt"), codec.treeToValue(object, MessageContent.class));
        }

        private static String text(ObjectNode node, String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : value.asText();
        }

        private static Long number(ObjectNode node, String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : value.asLong();
        }

        private static List<Reaction> reactions(ObjectCodec codec, ObjectNode node) throws IOException {
            JsonNode value = node.get("reactions");
            if (value == null || value.isNull()) {
                return null;
            }
            return Collections.unmodifiableList(Arrays.asList(codec.treeToValue(value, Reaction[].class)));
        }

        private static <T> T value(ObjectCodec codec, ObjectNode node, String field, Class<T> type) throws IOException {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : codec.treeToValue(value, type);
        }
    }
}
