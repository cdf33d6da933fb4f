package im.bench;

import java.util.concurrent.locks.LockSupport;

/** The harness clock: nanoseconds since the harness started (senders and receivers share it: one JVM). */
final class Clock {
    private static final long BASE = System.nanoTime() - 1;

    private Clock() {
    }

    static long now() {
        return System.nanoTime() - BASE;
    }

    /** Parks until {@code at} (harness nanos); returns at once when it is past. */
    static void parkUntil(long at) {
        long wait;
        while ((wait = at - now()) > 0) {
            LockSupport.parkNanos(Math.min(wait, 1_000_000));
        }
    }
}
