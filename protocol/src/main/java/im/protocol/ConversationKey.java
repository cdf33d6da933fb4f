package im.protocol;

import java.util.Objects;

/**
 * The Kafka key of a conversation: {@code peer/<low>,<high>}, {@code group/<id>} or {@code room/<id>}. Both directions of a
 * peer conversation map to one key, so one conversation is one ordered partition stream. The separators {@code /} and
 * {@code ,} are outside the id charset, so a key always parses back unambiguously.
 *
 * @param type the conversation type
 * @param first the group or room id, or the lower of the two peer user ids
 * @param second the higher peer user id; null for groups and rooms
 */
public record ConversationKey(ConversationType type, String first, String second) {

    public ConversationKey {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(first, "first");
        if (type == ConversationType.PEER) {
            Objects.requireNonNull(second, "second");
            if (first.compareTo(second) > 0) {
                String swap = first;
                first = second;
                second = swap;
            }
        } else {
            second = null;
        }
    }

    /** The key of the conversation that {@code senderId} addresses as {@code to}. */
    public static ConversationKey of(String senderId, ConversationRef to) {
        return to.type() == ConversationType.PEER
                ? new ConversationKey(ConversationType.PEER, senderId, to.id())
                : new ConversationKey(to.type(), to.id(), null);
    }

    /** Parses a key as produced by {@link #value()}; a malformed key is an {@link ErrorCode#INVALID_REQUEST}. */
    public static ConversationKey parse(String key) {
        if (key == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "missing conversation key");
        }
        int slash = key.indexOf('/');
        if (slash < 0) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "malformed conversation key: " + key);
        }
        ConversationType type = ConversationType.fromWire(key.substring(0, slash));
        String rest = key.substring(slash + 1);
        if (type == ConversationType.PEER) {
            int comma = rest.indexOf(',');
            if (comma < 0) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "malformed peer key: " + key);
            }
            return new ConversationKey(type, Ids.requireId(rest.substring(0, comma), "peer user"),
                    Ids.requireId(rest.substring(comma + 1), "peer user"));
        }
        return new ConversationKey(type, Ids.requireId(rest, "conversation id"), null);
    }

    /** The wire form, used as the Kafka record key. */
    public String value() {
        return type == ConversationType.PEER ? "peer/" + first + "," + second : type.wireName() + "/" + first;
    }

    /** The conversation as {@code userId} names it: for a peer conversation, the other user. */
    public ConversationRef viewFor(String userId) {
        if (type != ConversationType.PEER) {
            return new ConversationRef(type, first);
        }
        return new ConversationRef(type, first.equals(userId) ? second : first);
    }

    /** Whether {@code userId} is one of the two users of a peer conversation. */
    public boolean isPeerParticipant(String userId) {
        return type == ConversationType.PEER && (first.equals(userId) || second.equals(userId));
    }

    @Override
    public String toString() {
        return value();
    }
}
