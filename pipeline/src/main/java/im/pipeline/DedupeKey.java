package im.pipeline;

import java.nio.ByteBuffer;
import java.security.SecureRandom;

import com.google.common.hash.HashCode;
import com.google.common.hash.HashFunction;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;

/**
 * A compact key for the tables that remember hundreds of thousands of sends (the gateway's dedupe memory, routing's
 * retry table): the 128-bit murmur3 hash of its parts, under a seed drawn once per process, in place of their
 * concatenation. An entry's key costs 32 bytes instead of a string of about 100: these tables are most of a loaded
 * service's long-lived heap, and their size is what its young collections pay for (docs/benchmarks.md). Two different
 * sends share a key with odds of about 2<sup>-128</sup> per pair; the secret seed keeps anyone from choosing parts that
 * collide.
 */
public record DedupeKey(long high, long low) {
    private static final HashFunction HASH = Hashing.murmur3_128(new SecureRandom().nextInt());

    /** The key of these parts, in this order (each part's length is hashed too: ("ab", "c") is not ("a", "bc")). */
    public static DedupeKey of(String first, String second, String third) {
        Hasher hasher = HASH.newHasher()
                .putInt(first.length()).putUnencodedChars(first)
                .putInt(second.length()).putUnencodedChars(second)
                .putInt(third.length()).putUnencodedChars(third);
        HashCode code = hasher.hash();
        ByteBuffer bytes = ByteBuffer.wrap(code.asBytes());
        return new DedupeKey(bytes.getLong(), bytes.getLong());
    }
}
