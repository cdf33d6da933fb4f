package im.protocol;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The three kinds of conversation; the wire form is lower case. */
public enum ConversationType {
    @JsonProperty("peer")
    PEER,
    @JsonProperty("group")
    GROUP,
    @JsonProperty("room")
    ROOM;

    /** Computed once: encoding and decoding ask for it for every message. */
    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The lower-case wire name, also the prefix of a {@link ConversationKey}. */
    public String wireName() {
        return wire;
    }

    /** Parses a wire name; unknown names are a refusal, not an exception trace. */
    public static ConversationType fromWire(String name) {
        if (name != null) {
            for (ConversationType type : values()) {
                if (type.wireName().equals(name)) {
                    return type;
                }
            }
        }
        throw new ProtocolException(ErrorCode.INVALID_REQUEST, "unknown conversation type: " + name);
    }
}
