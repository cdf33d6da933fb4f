package im.protocol;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Time-ordered message ids: UUID version 7 (RFC 9562), 48 bits of epoch milliseconds then randomness, so ids sort by
 * creation time across nodes without coordination. Ids are unique, not secret: the randomness is the thread's fast
 * generator, not a cryptographic one (no lock, no system call per message).
 */
public final class MessageIds {

    private MessageIds() {
    }

    /** A new id for a message created at {@code epochMillis}. */
    public static String next(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long randA = random.nextInt() & 0xfffL;
        long msb = (epochMillis << 16) | 0x7000L | randA;
        long lsb = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    /**
     * The id as a UUID when it is one in canonical form (36 characters, lower-case hex, hyphens at 8, 13, 18 and 23, as
     * {@link #next(long)} makes them), otherwise null: such an id is kept as two longs and turned back into the same
     * string.
     */
    public static UUID canonicalUuid(String messageId) {
        if (messageId == null || messageId.length() != 36) {
            return null;
        }
        for (int i = 0; i < 36; i++) {
            char c = messageId.charAt(i);
            boolean hyphen = i == 8 || i == 13 || i == 18 || i == 23;
            if (hyphen ? c != '-' : !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
        }
        return UUID.fromString(messageId);
    }

    /** The creation time encoded in an id made by {@link #next(long)}. */
    public static long timestampOf(String messageId) {
        return UUID.fromString(messageId).getMostSignificantBits() >>> 16;
    }
}
