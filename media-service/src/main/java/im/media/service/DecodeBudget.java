package im.media.service;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * The heap all image decodes in flight may take together: each decode holds its {@link DecodeMemory} estimate (in KiB
 * permits of a fair semaphore) until its variants are written, so concurrent uploads cannot multiply the per-image limit
 * past the heap. A decode that cannot get its share within the wait is refused {@code UNAVAILABLE} (retry later).
 */
public final class DecodeBudget {
    private final Semaphore permits;
    private final int total;
    private final Duration wait;

    /**
     * @param totalBytes memory all decodes may hold together
     * @param wait longest wait for a share
     */
    public DecodeBudget(long totalBytes, Duration wait) {
        this.total = (int) Math.min(Integer.MAX_VALUE, Math.max(1, totalBytes / 1024));
        this.permits = new Semaphore(total, true);
        this.wait = wait;
    }

    /** A held share of the budget; closing it gives the memory back. */
    public interface Share extends AutoCloseable {
        @Override
        void close();
    }

    /** Takes {@code bytes} of the budget (at most all of it), waiting up to the configured time; else {@code UNAVAILABLE}. */
    public Share acquire(long bytes) {
        int needed = (int) Math.min(total, Math.max(1, (bytes + 1023) / 1024));
        try {
            if (!permits.tryAcquire(needed, wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ProtocolException(ErrorCode.UNAVAILABLE, "too many images are being processed; retry");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ErrorCode.UNAVAILABLE, "interrupted while waiting to process the image");
        }
        boolean[] released = {false};
        return () -> {
            if (!released[0]) {
                released[0] = true;
                permits.release(needed);
            }
        };
    }

    /** KiB of the budget not held right now (for tests and metrics). */
    public int availableKib() {
        return permits.availablePermits();
    }
}
