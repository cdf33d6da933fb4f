package im.pipeline;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * A bounded memory of sends by {@link DedupeKey}, holding a few {@code long}s per send in primitive arrays: no object
 * per entry, so hundreds of thousands of remembered sends cost a loaded service's collector nothing (the gateway's dedupe
 * memory and routing's retry table were most of its long-lived heap, and its young collections paid for every entry
 * until promotion: docs/benchmarks.md). An entry is forgotten once it is older than the window, or once the capacity's
 * worth of later sends has been remembered after it (oldest first, not least used: a retry comes soon after its send).
 *
 * <p>Layout: the keys are spread over {@value #STRIPES} stripes, each with its own lock; a stripe keeps
 * {@value #GENERATIONS} generations of open-addressing tables (linear probing, at most half full) and writes into the
 * newest; when the newest is full, the oldest is cleared and becomes the newest. So nothing is ever removed one by one,
 * a stripe remembers at least its last {@code 3/4} of {@value #GENERATIONS} generations, and the whole memory at least
 * about {@code capacity} sends and at most a third more. A generation's table is allocated when first written.
 *
 * <p>Thread-safe. Lookups and writes allocate nothing but what they return.
 */
public final class SendMemory {

    /** A value that stands for "none" (a null orderKey, say); it is stored and returned as is. */
    public static final long NONE = Long.MIN_VALUE;

    static final int STRIPES = 8;
    static final int GENERATIONS = 4;
    /** Key high, key low, time written (0: empty slot), then the values. */
    private static final int HEADER = 3;

    private final Stripe[] stripes = new Stripe[STRIPES];
    private final int width;
    private final long windowMillis;
    private final LongSupplier clock;

    /**
     * @param capacity sends remembered at least (spread evenly over the stripes by the keys' hash)
     * @param width the {@code long}s kept per send
     * @param windowMillis how long a send is remembered at most
     * @param clock the time in milliseconds
     */
    public SendMemory(long capacity, int width, long windowMillis, LongSupplier clock) {
        if (capacity < 1 || width < 1 || windowMillis < 1) {
            throw new IllegalArgumentException("capacity, width and window must be positive");
        }
        // each generation of a stripe holds capacity / (stripes x 3) sends, rounded up; its table, twice that many slots,
        // fits one array
        int perGeneration = (int) Math.min(Integer.MAX_VALUE / (2L * (HEADER + width)),
                Math.max(1, -Math.floorDiv(-capacity, (long) STRIPES * (GENERATIONS - 1))));
        int slots = perGeneration * 2;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe(perGeneration, slots, HEADER + width);
        }
        this.width = width;
        this.windowMillis = windowMillis;
        this.clock = clock;
    }

    /** A memory on the wall clock. */
    public SendMemory(long capacity, int width, long windowMillis) {
        this(capacity, width, windowMillis, System::currentTimeMillis);
    }

    /** The values remembered for this key (a copy), or null. */
    public long[] get(DedupeKey key) {
        Stripe stripe = stripe(key);
        long now = clock.getAsLong();
        synchronized (stripe) {
            return stripe.find(key.high(), key.low(), now - windowMillis);
        }
    }

    /**
     * Remembers {@code values} for this key unless it is remembered already.
     *
     * @return null when stored, otherwise the values remembered before (a copy)
     */
    public long[] putIfAbsent(DedupeKey key, long... values) {
        if (values.length != width) {
            throw new IllegalArgumentException("expected " + width + " values, got " + values.length);
        }
        Stripe stripe = stripe(key);
        long now = clock.getAsLong();
        synchronized (stripe) {
            long[] before = stripe.find(key.high(), key.low(), now - windowMillis);
            if (before == null) {
                stripe.insert(key.high(), key.low(), now, values);
            }
            return before;
        }
    }

    private Stripe stripe(DedupeKey key) {
        return stripes[(int) (key.high() >>> 61)];
    }

    /** One lock's share: generations of open-addressing tables, the newest written. */
    private static final class Stripe {
        private final long[][] generations = new long[GENERATIONS][];
        private final int perGeneration;
        private final int slots;
        private final int stride;
        private int newest;
        private int count;

        Stripe(int perGeneration, int slots, int stride) {
            this.perGeneration = perGeneration;
            this.slots = slots;
            this.stride = stride;
        }

        /** The values of the newest live entry of this key, or null. */
        long[] find(long high, long low, long writtenAfter) {
            boolean expired = false;
            for (int age = 0; age < GENERATIONS; age++) {
                long[] table = generations[Math.floorMod(newest - age, GENERATIONS)];
                if (table == null) {
                    continue;
                }
                for (int slot = home(low);; slot = next(slot)) {
                    int at = slot * stride;
                    long written = table[at + 2];
                    if (written == 0) {
                        break;
                    }
                    if (table[at] == high && table[at + 1] == low) {
                        if (written > writtenAfter) {
                            return Arrays.copyOfRange(table, at + HEADER, at + stride);
                        }
                        // expired: a later write of the key in this table lies further along the probe
                        expired = true;
                    }
                }
                if (expired) {
                    return null; // the older generations are older still
                }
            }
            return null;
        }

        void insert(long high, long low, long now, long[] values) {
            if (count == perGeneration) {
                newest = (newest + 1) % GENERATIONS;
                if (generations[newest] != null) {
                    Arrays.fill(generations[newest], 0L);
                }
                count = 0;
            }
            long[] table = generations[newest];
            if (table == null) {
                table = new long[slots * stride];
                generations[newest] = table;
            }
            int slot = home(low);
            while (table[slot * stride + 2] != 0) {
                slot = next(slot);
            }
            int at = slot * stride;
            table[at] = high;
            table[at + 1] = low;
            table[at + 2] = Math.max(1, now);
            System.arraycopy(values, 0, table, at + HEADER, values.length);
            count++;
        }

        /** The key's first slot: its low 32 bits scaled to the table (any size, no power of two needed). */
        private int home(long low) {
            return (int) (((low & 0xffffffffL) * slots) >>> 32);
        }

        private int next(int slot) {
            return slot + 1 == slots ? 0 : slot + 1;
        }
    }
}
