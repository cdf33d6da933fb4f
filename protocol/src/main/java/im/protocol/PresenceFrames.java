package im.protocol;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Presence in the contract (PROTOCOL.md v1.1, Easemob {@code onPresence}, ZIM user status): the client ops
 * {@code subscribePresence}, {@code unsubscribePresence} and {@code setStatus}, the {@code presence} push, the entries of
 * {@code GET /v1/presence}, and the checks every writer and reader of them applies.
 */
public final class PresenceFrames {
    public static final String SUBSCRIBE = "subscribePresence";
    public static final String UNSUBSCRIBE = "unsubscribePresence";
    public static final String SET_STATUS = "setStatus";
    public static final String ONLINE = "online";
    public static final String OFFLINE = "offline";

    private PresenceFrames() {
    }

    /**
     * The fields of the presence ops (a frame is read a second time as this once its op is known).
     *
     * @param op subscribePresence, unsubscribePresence or setStatus
     * @param id optional request id, repeated in the ack
     * @param userIds subscribePresence, unsubscribePresence: the users (1 to {@link Limits#PRESENCE_USER_IDS_MAX})
     * @param durationSeconds subscribePresence: how long the subscription lasts (absent: as long as the session)
     * @param customStatus setStatus: the new custom status; absent or empty clears it
     */
    public record Request(String op, String id, List<String> userIds, Long durationSeconds, String customStatus) {

        /** The users named, checked and without repeats, in the order given. */
        public List<String> requireUserIds() {
            return PresenceFrames.requireUserIds(userIds);
        }

        /** The duration in milliseconds, or -1 for none; refuses one outside 1 s to 30 days. */
        public long requireDurationMillis() {
            if (durationSeconds == null) {
                return -1;
            }
            if (durationSeconds < 1 || durationSeconds > Limits.PRESENCE_DURATION_MAX_SECONDS) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                        "durationSeconds must be 1-" + Limits.PRESENCE_DURATION_MAX_SECONDS);
            }
            return durationSeconds * 1000;
        }
    }

    /**
     * A user's presence as {@code GET /v1/presence} lists it.
     *
     * @param userId the user
     * @param state online or offline
     * @param lastSeenAt offline only: when the user went offline, epoch milliseconds, when known
     * @param customStatus the user's custom status, if any
     */
    public record UserPresence(String userId, String state, Long lastSeenAt, String customStatus) {}

    /** The {@code presence} push: a subscribed user's current state, then each change. */
    public record Push(String op, String userId, String state, Long lastSeenAt, String customStatus) {
        public static final String OP = "presence";

        public static Push of(UserPresence presence) {
            return new Push(OP, presence.userId(), presence.state(), presence.lastSeenAt(), presence.customStatus());
        }
    }

    /** The answer of {@code GET /v1/presence}. */
    public record Listing(List<UserPresence> presence) {}

    /** A list of user ids a presence request names: present, 1 to 100 valid ids; repeats are dropped. */
    public static List<String> requireUserIds(List<String> userIds) {
        if (userIds == null || userIds.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "userIds: 1-" + Limits.PRESENCE_USER_IDS_MAX
                    + " user ids required");
        }
        Ids.requireIds(userIds, Limits.PRESENCE_USER_IDS_MAX, "user");
        return List.copyOf(new LinkedHashSet<>(userIds));
    }

    /**
     * Checks a custom status: text of at most {@link Limits#CUSTOM_STATUS_MAX_BYTES} UTF-8 bytes without control
     * characters (NUL, line breaks, escapes: it is shown in one line of other users' UIs); null is allowed.
     */
    public static String requireCustomStatus(String customStatus) {
        if (customStatus == null) {
            return null;
        }
        Text.require(customStatus, "customStatus");
        if (customStatus.getBytes(StandardCharsets.UTF_8).length > Limits.CUSTOM_STATUS_MAX_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                    "customStatus must be at most " + Limits.CUSTOM_STATUS_MAX_BYTES + " bytes");
        }
        for (int i = 0; i < customStatus.length(); i++) {
            if (Character.isISOControl(customStatus.charAt(i))) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "customStatus must not contain control characters");
            }
        }
        return customStatus;
    }
}
