package im.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One reaction on a message as participants see it (v1.1 {@code reactionsChanged}, and {@code reactions} on messages in
 * history and search answers): the reaction, how many users gave it, and the first of them.
 *
 * @param reaction the reaction (an emoji or a short app-defined key), 1-{@link #MAX_BYTES} bytes of UTF-8
 * @param count how many users gave it
 * @param userIds the first {@link #USER_IDS_SHOWN} users who gave it, oldest first
 */
public record Reaction(String reaction, int count, List<String> userIds) {

    /** The longest reaction, in UTF-8 bytes. */
    public static final int MAX_BYTES = 32;
    /** At most this many distinct reactions per message; another one is refused with REACTION_LIMIT_REACHED. */
    public static final int MAX_PER_MESSAGE = 20;
    /** At most this many reactions of one user on one message; another one is refused with REACTION_LIMIT_REACHED. */
    public static final int MAX_PER_USER = 10;
    /** How many of the users who gave a reaction are named. */
    public static final int USER_IDS_SHOWN = 10;

    /**
     * Checks a reaction as a client or a record gives it: 1-{@link #MAX_BYTES} bytes of UTF-8, no control characters
     * (NUL included), no unpaired surrogates; {@code INVALID_REQUEST} otherwise.
     */
    public static String require(String reaction) {
        if (reaction == null || reaction.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "reaction must not be empty");
        }
        if (reaction.length() > MAX_BYTES || reaction.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "a reaction is limited to " + MAX_BYTES + " bytes");
        }
        Text.require(reaction, "reaction");
        for (int i = 0; i < reaction.length(); i++) {
            if (Character.isISOControl(reaction.charAt(i))) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "a reaction must not contain control characters");
            }
        }
        return reaction;
    }
}
