package im.protocol;

/** Documented limits of the v1 contract (PROTOCOL.md). */
public final class Limits {
    /** Longest user, group or room id, in bytes (ASCII charset, so also characters). */
    public static final int ID_MAX_BYTES = 32;
    /** Longest display name, in UTF-8 bytes. */
    public static final int USER_NAME_MAX_BYTES = 256;
    /** Longest message id (the server's are 36-character UUIDs; backends may choose their own). */
    public static final int MESSAGE_ID_MAX = 64;
    /** Longest gateway node or session id in a record's {@code origin}. */
    public static final int ORIGIN_ID_MAX = 128;
    /** Default most rooms one session may have entered at once (configurable per gateway). */
    public static final int DEFAULT_ROOMS_PER_SESSION = 50;
    /** Longest client-chosen message id. */
    public static final int CLIENT_MSG_ID_MAX = 64;
    /** Most users one message may mention. */
    public static final int MENTIONS_MAX = 50;
    /** Most users a room command may target. */
    public static final int TO_USER_IDS_MAX = 500;
    /** Most users one subscribePresence, unsubscribePresence or presence lookup may name (v1.1). */
    public static final int PRESENCE_USER_IDS_MAX = 100;
    /** Longest custom status ({@code setStatus}, v1.1), in UTF-8 bytes. */
    public static final int CUSTOM_STATUS_MAX_BYTES = 64;
    /** Longest presence subscription a {@code durationSeconds} may ask for: 30 days. */
    public static final int PRESENCE_DURATION_MAX_SECONDS = 30 * 24 * 3600;
    /** Longest {@code searchedContent} of a custom message, in UTF-8 bytes. */
    public static final int SEARCHED_CONTENT_MAX_BYTES = 64;
    /** Range of a custom message's {@code subType}. */
    public static final int CUSTOM_SUB_TYPE_MAX = 200;
    /** Longest {@code extendedData}, in UTF-8 bytes. */
    public static final int EXTENDED_DATA_MAX_BYTES = 1024;
    /** Longest audio message, in seconds. */
    public static final int AUDIO_MAX_SECONDS = 300;
    /** Upper bound of a whole message's JSON, whatever its type: keeps Kafka records and frames small. */
    public static final int MESSAGE_JSON_MAX_BYTES = 64 * 1024;
    /**
     * Deepest nesting of objects and arrays in any JSON the contract reads: ample for combined messages inside combined
     * messages, and far from what overflows a reading thread's stack (each combine level is read recursively).
     */
    public static final int JSON_MAX_DEPTH = 64;
    /** Largest frame a client may send over the WebSocket. */
    public static final int FRAME_MAX_BYTES = 96 * 1024;
    /** Default client send rate, messages per second, for every type but barrage. */
    public static final int DEFAULT_SEND_RATE_PER_SECOND = 10;

    /** Longest group notice any {@code im.membership} record may carry, in UTF-8 bytes (gateways allow less by default). */
    public static final int GROUP_NOTICE_MAX_BYTES = 16 * 1024;
    /** Longest group avatar URL any record may carry, in UTF-8 bytes. */
    public static final int GROUP_AVATAR_URL_MAX_BYTES = 2048;
    /** Most group attributes any record may carry. */
    public static final int GROUP_ATTRIBUTES_MAX = 100;
    /** Longest group attribute key any record may carry, in UTF-8 bytes. */
    public static final int GROUP_ATTRIBUTE_KEY_MAX_BYTES = 256;
    /** Longest group attribute value any record may carry, in UTF-8 bytes. */
    public static final int GROUP_ATTRIBUTE_VALUE_MAX_BYTES = 4096;
    /** Longest {@code event} of a tips message. */
    public static final int TIPS_EVENT_MAX = 64;
    /** Most users a tips message may name in {@code targets} (a dismissed group's members). */
    public static final int TIPS_TARGETS_MAX = 10_000;

    private Limits() {
    }
}
