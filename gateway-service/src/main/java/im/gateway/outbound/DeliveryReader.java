package im.gateway.outbound;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

import im.gateway.session.Outbox;
import im.protocol.Action;
import im.protocol.ConversationKey;
import im.protocol.Delivery;
import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.JsonCodec;
import im.protocol.Limits;
import im.protocol.Message;
import im.protocol.MessageRules;
import im.protocol.MessageType;
import im.protocol.Priority;
import im.protocol.ProtocolException;
import im.protocol.RecordRules;
import im.protocol.Text;

/**
 * Reads an {@code im.deliveries} record (schema {@code delivery.v1.json}) in one pass of Jackson's streaming parser: the
 * addressing fields are read, the message is not decoded into objects — its JSON characters are taken as they are, with
 * the two fields the outbound queue needs (type and priority) picked up and its strings checked on the way — so a
 * delivered message is encoded once, by routing, and written by every session as it came. The addressing is checked as {@link RecordRules#checkDelivery}
 * checks it; a record that breaks it is refused with the reason.
 */
final class DeliveryReader {

    /**
     * A delivery as this node pushes it.
     *
     * @param nodeId the node it is for
     * @param key the conversation
     * @param userIds the recipients on this node; null for a whole room
     * @param roomId for room conversations
     * @param excludeSessionId the sending session
     * @param messageId the message's id (when it carries one)
     * @param message the message's JSON and rank, or null
     * @param revoked a recall, or null
     * @param receipt a receipt, or null
     * @param replay whether the message is routed again for sessions that appeared after it was first routed
     * @param conversationChanged what the one user named now sees of the conversation (v1.1), or null
     * @param reactionsChanged a message's reactions now (v1.1), or null
     * @param messageEdited an edited message (v1.1), or null
     * @param sentAt the message's {@code timestamp} (server ms, when a gateway took it), or 0
     */
    record Parsed(String nodeId, ConversationKey key, List<String> userIds, String roomId, String excludeSessionId,
            String messageId, Outbox.Encoded message, Delivery.Revoked revoked, Delivery.Receipt receipt, boolean replay,
            Delivery.ConversationState conversationChanged, Delivery.ReactionsChanged reactionsChanged,
            Message messageEdited, long sentAt) {}

    private DeliveryReader() {
    }

    static Parsed read(byte[] value) {
        if (value == null || value.length == 0) {
            throw invalid("a delivery record needs a value");
        }
        try (JsonParser parser = JsonCodec.mapper().createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw invalid("a delivery is a JSON object");
            }
            int v = -1;
            String nodeId = null;
            String conversationKey = null;
            List<String> userIds = null;
            String roomId = null;
            String exclude = null;
            String messageId = null;
            Outbox.Encoded message = null;
            Delivery.Revoked revoked = null;
            Delivery.Receipt receipt = null;
            boolean replay = false;
            Delivery.ConversationState changed = null;
            Delivery.ReactionsChanged reactions = null;
            Message edited = null;
            long sentAt = 0;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken token = parser.nextToken();
                if (token == JsonToken.VALUE_NULL) {
                    continue;
                }
                switch (field) {
                    case "v" -> v = parser.getIntValue();
                    case "nodeId" -> nodeId = text(parser, field);
                    case "conversationKey" -> conversationKey = text(parser, field);
                    case "userIds" -> userIds = strings(parser);
                    case "roomId" -> roomId = text(parser, field);
                    case "excludeSessionId" -> exclude = text(parser, field);
                    case "revoked" -> revoked = parser.readValueAs(Delivery.Revoked.class);
                    case "receipt" -> receipt = parser.readValueAs(Delivery.Receipt.class);
                    case "replay" -> replay = token == JsonToken.VALUE_TRUE;
                    case "conversationChanged" -> changed = conversationState(parser);
                    case "reactionsChanged" -> reactions = feature(parser, field, Delivery.ReactionsChanged.class);
                    case "messageEdited" -> edited = feature(parser, field, Message.class);
                    case "message" -> {
                        if (token != JsonToken.START_OBJECT) {
                            throw invalid("message is an object");
                        }
                        int start = (int) parser.currentTokenLocation().getByteOffset();
                        String type = null;
                        String priority = null;
                        while (parser.nextToken() == JsonToken.FIELD_NAME) {
                            String name = parser.currentName();
                            JsonToken inner = parser.nextToken();
                            if (inner == JsonToken.VALUE_STRING) {
                                String text = checked(parser);
                                switch (name) {
                                    case "messageId" -> messageId = text;
                                    case "type" -> type = text;
                                    case "priority" -> priority = text;
                                    default -> {
                                    }
                                }
                            } else if (inner.isStructStart()) {
                                checkStrings(parser);
                            } else if (inner == JsonToken.VALUE_NUMBER_INT && name.equals("timestamp")
                                    && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                                sentAt = parser.getLongValue();
                            }
                        }
                        int end = (int) parser.currentLocation().getByteOffset();
                        message = encoded(value, start, end, type, priority);
                    }
                    default -> parser.skipChildren();
                }
            }
            if (v != 1) {
                throw invalid("unsupported schema version v=" + v);
            }
            Ids.requireId(nodeId, "node");
            ConversationKey key = ConversationKey.parse(conversationKey);
            Ids.requireIds(userIds, RecordRules.DELIVERY_USERS_MAX, "user");
            if (roomId != null) {
                Ids.requireId(roomId, "room");
            }
            if ((message != null ? 1 : 0) + (revoked != null ? 1 : 0) + (receipt != null ? 1 : 0)
                    + (changed != null ? 1 : 0) + (reactions != null ? 1 : 0) + (edited != null ? 1 : 0) != 1) {
                throw invalid("a delivery carries one of message, revoked, receipt, conversationChanged, reactionsChanged "
                        + "or messageEdited");
            }
            // the v1.1 message features are rare next to messages: decoded, and held to the contract's rules
            if (reactions != null) {
                MessageRules.checkAction(Action.reactionsChanged(reactions.messageId(),
                        reactions.reactions() == null ? List.of() : reactions.reactions()), null);
            }
            if (edited != null) {
                MessageRules.checkAction(Action.messageEdited(edited), null);
            }
            if (changed != null && (userIds == null || userIds.size() != 1)) {
                throw invalid("a conversationChanged delivery names its one user");
            }
            if (message != null && !Ids.isValid(messageId, Limits.MESSAGE_ID_MAX)) {
                throw invalid("a delivered message needs its messageId");
            }
            return new Parsed(nodeId, key, userIds, roomId, exclude, messageId, message, revoked, receipt,
                    replay && message != null, changed, reactions, edited, sentAt);
        } catch (IOException e) {
            throw invalid("malformed delivery: " + e.getMessage());
        }
    }

    /** A v1.1 feature's payload, decoded from its tree with its strings held to the text rule. */
    private static <T> T feature(JsonParser parser, String field, Class<T> type) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw invalid(field + " is an object");
        }
        JsonNode tree = parser.readValueAsTree();
        checkStrings(tree);
        try {
            return JsonCodec.mapper().treeToValue(tree, type);
        } catch (IllegalArgumentException | JsonProcessingException e) {
            throw invalid("malformed " + field + ": " + e.getMessage());
        }
    }

    /** A conversation's state for one user: decoded (it is rare next to messages), its strings held to the text rule. */
    private static Delivery.ConversationState conversationState(JsonParser parser) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw invalid("conversationChanged is an object");
        }
        JsonNode tree = parser.readValueAsTree();
        checkStrings(tree);
        try {
            Delivery.ConversationState state = JsonCodec.mapper().treeToValue(tree, Delivery.ConversationState.class);
            if (state.unreadCount() < 0 || (state.mentions() != null && state.mentions().contains(null))) {
                throw invalid("conversationChanged: a negative count or a null mention");
            }
            return state;
        } catch (IllegalArgumentException | JsonProcessingException e) {
            throw invalid("malformed conversationChanged: " + e.getMessage());
        }
    }

    private static void checkStrings(JsonNode node) {
        if (node.isTextual()) {
            String problem = Text.problem(node.textValue());
            if (problem != null) {
                throw invalid("conversationChanged: " + problem);
            }
        }
        for (JsonNode child : node) {
            checkStrings(child);
        }
        node.fieldNames().forEachRemaining(name -> {
            if (Text.problem(name) != null) {
                throw invalid("conversationChanged: a broken field name");
            }
        });
    }

    private static Outbox.Encoded encoded(byte[] value, int start, int end, String type, String priority) {
        MessageType messageType = null;
        for (MessageType candidate : MessageType.values()) {
            if (candidate.wireName().equals(type)) {
                messageType = candidate;
            }
        }
        if (messageType == null) {
            throw invalid("a delivered message needs a known type");
        }
        Priority rankPriority = priority == null ? Priority.LOW : Priority.fromWire(priority);
        if (rankPriority == null) {
            throw invalid("unknown priority " + priority);
        }
        return new Outbox.Encoded(new String(value, start, end - start, StandardCharsets.UTF_8),
                Outbox.Encoded.rankOf(rankPriority, messageType == MessageType.BARRAGE));
    }

    /**
     * Walks a nested value of the message to its end, holding every string to the contract's text rule (no NUL, no
     * unpaired surrogate): the message is passed on as it came, so this is where its strings are checked.
     */
    private static void checkStrings(JsonParser parser) throws IOException {
        int depth = 1;
        while (depth > 0) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw invalid("unterminated message");
            }
            if (token.isStructStart()) {
                depth++;
            } else if (token.isStructEnd()) {
                depth--;
            } else if (token == JsonToken.VALUE_STRING) {
                checked(parser);
            }
        }
    }

    private static String checked(JsonParser parser) throws IOException {
        String text = parser.getText();
        String problem = Text.problem(text);
        if (problem != null) {
            throw invalid("message: " + problem);
        }
        return text;
    }

    private static String text(JsonParser parser, String field) throws IOException {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            throw invalid(field + " is a string");
        }
        return checked(parser);
    }

    private static List<String> strings(JsonParser parser) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw invalid("userIds is an array");
        }
        List<String> list = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw invalid("userIds holds user ids");
            }
            list.add(checked(parser));
        }
        return list;
    }

    private static ProtocolException invalid(String detail) {
        return new ProtocolException(ErrorCode.INVALID_REQUEST, detail);
    }
}
