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

    /** The creation time encoded in an id made by {@link #next(long)}. */
    public static long timestampOf(String messageId) {
        return UUID.fromString(messageId).getMostSignificantBits() >>> 16;
    }
}
