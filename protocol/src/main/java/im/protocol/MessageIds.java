package im.protocol;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Time-ordered message ids: UUID version 7 (RFC 9562), 48 bits of epoch milliseconds then randomness, so ids sort by
 * creation time across nodes without coordination.
 */
public final class MessageIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private MessageIds() {
    }

    /** A new id for a message created at {@code epochMillis}. */
    public static String next(long epochMillis) {
        long randA = RANDOM.nextInt() & 0xfffL;
        long msb = (epochMillis << 16) | 0x7000L | randA;
        long lsb = (RANDOM.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    /** The creation time encoded in an id made by {@link #next(long)}. */
    public static long timestampOf(String messageId) {
        return UUID.fromString(messageId).getMostSignificantBits() >>> 16;
    }
}
