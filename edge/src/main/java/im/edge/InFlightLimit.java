package im.edge;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * At most so many things in flight per key (uploads per user, at the gateway and at media-service): a permit is taken
 * before the work starts and given back, once, wherever it ends. Keys with nothing in flight take no memory.
 */
public final class InFlightLimit {

    /** A place taken; {@link #release()} frees it, and only the first call counts. */
    public interface Permit {
        void release();
    }

    private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();

    /** A permit for one more in flight under {@code key}, or null when {@code max} are already. */
    public Permit tryAcquire(String key, int max) {
        boolean[] admitted = {false};
        inFlight.compute(key, (k, count) -> {
            int current = count == null ? 0 : count;
            if (current >= max) {
                return count;
            }
            admitted[0] = true;
            return current + 1;
        });
        if (!admitted[0]) {
            return null;
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                inFlight.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
            }
        };
    }

    /** How many are in flight under {@code key} now. */
    public int inFlight(String key) {
        return inFlight.getOrDefault(key, 0);
    }
}
