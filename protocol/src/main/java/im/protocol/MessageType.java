package im.protocol;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Message types of the v1 contract with their class and size limit (bytes of the type's payload field). */
public enum MessageType {
    @JsonProperty("text")
    TEXT(MessageClass.RELIABLE, 32 * 1024),
    @JsonProperty("command")
    COMMAND(MessageClass.SIGNAL, 5 * 1024),
    @JsonProperty("barrage")
    BARRAGE(MessageClass.BARRAGE, 5 * 1024),
    @JsonProperty("image")
    IMAGE(MessageClass.RELIABLE, 10L * 1024 * 1024),
    @JsonProperty("file")
    FILE(MessageClass.RELIABLE, 100L * 1024 * 1024),
    @JsonProperty("audio")
    AUDIO(MessageClass.RELIABLE, 6L * 1024 * 1024),
    @JsonProperty("video")
    VIDEO(MessageClass.RELIABLE, 100L * 1024 * 1024),
    @JsonProperty("location")
    LOCATION(MessageClass.RELIABLE, 0),
    @JsonProperty("combine")
    COMBINE(MessageClass.RELIABLE, 0),
    @JsonProperty("custom")
    CUSTOM(MessageClass.RELIABLE, 32 * 1024),
    @JsonProperty("tips")
    TIPS(MessageClass.RELIABLE, 0);

    private final MessageClass messageClass;
    private final long maxBytes;

    MessageType(MessageClass messageClass, long maxBytes) {
        this.messageClass = messageClass;
        this.maxBytes = maxBytes;
    }

    public MessageClass messageClass() {
        return messageClass;
    }

    /** Size limit of the payload: text bytes, decoded command data, or the media file; 0 when only the JSON cap applies. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Whether the type carries a media file (fields filled from the media service or external URLs). */
    public boolean isMedia() {
        return this == IMAGE || this == FILE || this == AUDIO || this == VIDEO;
    }

    /** Computed once: encoding and decoding ask for it for every message. */
    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The lower-case wire name. */
    public String wireName() {
        return wire;
    }
}
