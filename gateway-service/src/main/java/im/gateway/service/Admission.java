package im.gateway.service;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import im.gateway.config.GatewayConfig;
import im.protocol.ErrorCode;
import im.protocol.MessageClass;
import im.protocol.MessageType;
import im.protocol.Priority;
import im.protocol.ProtocolException;

/**
 * Admission of sends past saturation: barrage and low priority are refused first, then medium, high last, so that what
 * is accepted is still delivered in time. The measure is the <em>pipeline delay</em> this node sees: how old the
 * messages of users' sessions are when their deliveries reach this node (sent → checked → Kafka → routing → Kafka → here),
 * averaged over windows of {@value #WINDOW_MILLIS} ms. A window with fewer than {@code overload.min-samples} such
 * deliveries counts as no delay (a quiet node: a slow message now and then is not overload, and shedding would not make
 * it faster); a poll that finds nothing closes the window, so a node whose deliveries stop because nobody sends sees the
 * delay fall to none. A deliveries loop that stops polling is waiting for this node's event loops to write what it read
 * (they are behind): then, after a busy window, the delay is that window's plus the time the loop has been stuck.
 * The measured delay is the one met by messages sent a pipeline delay ago; admission judges by the delay a send admitted
 * now is expected to meet: the measured one moved along its trend (smoothed over windows, a growth counted once it has
 * lasted two windows) for as long again, kept between half and three times it. So a growing backlog is shed before it
 * shows in full, and a draining one lets sends in again sooner.
 *
 * <p>
 * The classes are refused on a ladder that does not overlap: barrage and low with odds rising linearly from 0 at
 * {@code overload.shed-low-at} to 1 at {@code shed-medium-at}, medium from there to 1 at {@code shed-high-at}, high from
 * there to 1 at twice it (random early refusal, as routers drop packets before their queue is full). So no high-priority
 * send is refused while a low one is still let in, and the accepted rate settles where the stack keeps up instead of
 * swinging between all and nothing a pipeline delay later. A refusal is {@code UNAVAILABLE}, which clients retry after a
 * backoff with the same clientMsgId.
 *
 * <p>
 * Besides, reliable sends are refused while history falls behind storing them ({@link StorageLag}): low priority from
 * {@code overload.storage-lag} of backlog (certain at twice it), medium from twice to three times it, high never.
 */
@Singleton
public class Admission {
    static final long WINDOW_MILLIS = 100;
    /** A deliveries loop that has neither read nor polled for this long is stuck behind this node's event loops. */
    static final long STUCK_MILLIS = 500;
    /** How many windows in a row the delay must rise before its growth counts. */
    static final int RISING_WINDOWS = 2;

    /** The classes of sends, lowest first: the order in which they are refused. */
    enum Shed {
        BARRAGE("barrage", "barrage"),
        LOW("low", "low-priority"),
        MEDIUM("medium", "medium-priority"),
        HIGH("high", "high-priority");

        /** The class's tag on {@code im.gateway.send.shed}. */
        final String tag;
        /** How the refusal names what it refuses. */
        final String words;

        Shed(String tag, String words) {
            this.tag = tag;
            this.words = words;
        }

        static Shed of(Priority priority, MessageType type) {
            if (type == MessageType.BARRAGE) {
                return BARRAGE; // whatever its priority
            }
            return priority == null ? LOW : switch (priority) {
                case LOW -> LOW;
                case MEDIUM -> MEDIUM;
                case HIGH -> HIGH;
            };
        }
    }

    private final GatewayConfig.Overload overload;
    /** Where the refusal's odds come from. */
    private final DoubleSupplier random;
    /** History's backlog in seconds of storing ({@link StorageLag}). */
    private final DoubleSupplier storageLag;
    private final Counter[] shed = new Counter[Shed.values().length];

    // the window being summed: written by the deliveries loop's thread only
    private long windowStart;
    private long windowSum;
    private int windowCount;

    /** The last full window's mean delay in ms (0: none or too few samples). */
    private volatile long delay;
    /**
     * The delay a send admitted now is expected to meet, in ms: the last window's, moved along its trend for one pipeline
     * delay (0 with the delay).
     */
    private volatile long expected;
    /** How fast the delay grows, ms per ms, smoothed over windows (deliveries loop only). */
    private double trend;
    /** Windows in a row whose delay was above the one before (deliveries loop only). */
    private int rising;
    private long lastClose;
    /** When the deliveries loop last read or polled. */
    private volatile long active;

    @Inject
    Admission(GatewayConfig config, MeterRegistry metrics, StorageLag storage) {
        this(config.overload(), metrics, () -> ThreadLocalRandom.current().nextDouble(), storage::seconds);
    }

    Admission(GatewayConfig.Overload overload, MeterRegistry metrics, DoubleSupplier random) {
        this(overload, metrics, random, () -> 0);
    }

    Admission(GatewayConfig.Overload overload, MeterRegistry metrics, DoubleSupplier random, DoubleSupplier storageLag) {
        this.overload = overload;
        this.random = random;
        this.storageLag = storageLag;
        for (Shed shedClass : Shed.values()) {
            shed[shedClass.ordinal()] = metrics.counter("im.gateway.send.shed", "class", shedClass.tag);
        }
        Gauge.builder("im.gateway.pipeline.delay", this, a -> a.delay(System.currentTimeMillis()))
                .description("mean age (ms) of users' messages as their deliveries reach this node; drives admission")
                .baseUnit("milliseconds").register(metrics);
        Gauge.builder("im.gateway.pipeline.expected.delay", this, a -> a.expected(System.currentTimeMillis()))
                .description("delay (ms) a send admitted now is expected to meet: the pipeline delay along its trend, "
                        + "plus the time the deliveries loop is stuck; what admission compares with the class values")
                .baseUnit("milliseconds").register(metrics);
    }

    /**
     * Adds a poll's deliveries of users' messages: {@code count} of them, {@code sumMillis} their ages summed, at
     * {@code now}. Called by the deliveries loop only.
     */
    public void observe(long sumMillis, int count, long now) {
        active = now;
        if (now - windowStart >= WINDOW_MILLIS) {
            if (windowStart != 0) {
                close(windowCount >= overload.minSamples() ? windowSum / windowCount : 0, now);
            }
            windowStart = now;
            windowSum = 0;
            windowCount = 0;
        }
        windowSum += sumMillis;
        windowCount += count;
    }

    /**
     * Ends a window with mean delay {@code mean}: the delay that messages sent one pipeline delay ago met. Those sent
     * now will meet it moved along its trend for as long again (it grows while the stack falls behind), kept between
     * half and three times the measured delay. A growth counts only once the delay has risen {@value #RISING_WINDOWS}
     * windows in a row: one late window (a GC pause, one slow batch) at a load the stack keeps up with is not a backlog.
     */
    private void close(long mean, long now) {
        long previous = delay;
        if (mean > 0 && previous > 0 && lastClose > 0 && now > lastClose) {
            trend = (trend + (double) (mean - previous) / (now - lastClose)) / 2;
            rising = mean > previous ? rising + 1 : 0;
        } else {
            trend = 0;
            rising = 0;
        }
        lastClose = now;
        delay = mean;
        double counted = trend > 0 && rising < RISING_WINDOWS ? 0 : trend;
        expected = mean == 0 ? 0 : Math.max(mean / 2, Math.min(3 * mean, mean + Math.round(counted * mean)));
    }

    /** A poll of the deliveries loop found nothing at {@code now}: it has read all there was. */
    public void idle(long now) {
        observe(0, 0, now);
    }

    /**
     * The pipeline delay in ms as of {@code now}: the last window's mean, plus how long the deliveries loop has been stuck
     * when it has neither read nor polled for {@value #STUCK_MILLIS} ms after a busy window (after a quiet one, a stuck
     * loop is a pause, not a backlog of deliveries).
     */
    public long delay(long now) {
        return plusStuck(delay, now);
    }

    /** The delay a send admitted at {@code now} is expected to meet (see {@link #close}), plus the time stuck. */
    long expected(long now) {
        return plusStuck(expected, now);
    }

    private long plusStuck(long delay, long now) {
        long stuck = active == 0 ? 0 : now - active;
        return stuck >= STUCK_MILLIS && delay > 0 ? delay + stuck : delay;
    }

    /**
     * Throws {@code UNAVAILABLE} when this send is refused to relieve the stack.
     *
     * @param priority the send's priority (null: low)
     * @param type its type: barrage counts as the lowest class whatever its priority
     */
    public void admit(Priority priority, MessageType type) {
        admit(priority, type, System.currentTimeMillis());
    }

    void admit(Priority priority, MessageType type, long now) {
        if (!overload.enabled()) {
            return;
        }
        Shed shedClass = Shed.of(priority, type);
        admitForStorage(shedClass, type);
        long delay = expected(now);
        if (delay == 0) {
            return;
        }
        long from = switch (shedClass) {
            case BARRAGE, LOW -> overload.shedLowAt().toMillis();
            case MEDIUM -> overload.shedMediumAt().toMillis();
            case HIGH -> overload.shedHighAt().toMillis();
        };
        long to = switch (shedClass) {
            case BARRAGE, LOW -> overload.shedMediumAt().toMillis();
            case MEDIUM -> overload.shedHighAt().toMillis();
            case HIGH -> 2 * overload.shedHighAt().toMillis();
        };
        if (refuses(delay, from, to, random.getAsDouble())) {
            shed[shedClass.ordinal()].increment();
            throw new ProtocolException(ErrorCode.UNAVAILABLE, "the server is overloaded and refuses " + shedClass.words
                    + " messages for now; retry later with the same clientMsgId");
        }
    }

    /**
     * Refuses a low-priority reliable send with odds rising from 0 at {@code overload.storage-lag} of history's backlog to
     * 1 at twice it, a medium-priority one from twice to three times it; high priority, barrage and signaling are never
     * refused for storage (barrage and signaling are not stored).
     */
    private void admitForStorage(Shed shedClass, MessageType type) {
        long limit = overload.storageLag().toMillis();
        if (limit == 0 || type.messageClass() != MessageClass.RELIABLE
                || (shedClass != Shed.LOW && shedClass != Shed.MEDIUM)) {
            return;
        }
        long lag = Math.round(storageLag.getAsDouble() * 1000);
        long from = shedClass == Shed.LOW ? limit : 2 * limit;
        if (lag > from && refuses(lag, from, from + limit, random.getAsDouble())) { // no draw while history keeps up
            shed[shedClass.ordinal()].increment();
            throw new ProtocolException(ErrorCode.UNAVAILABLE, "the server refuses " + shedClass.words + " messages for "
                    + "now: history is " + lag / 1000 + " s behind storing them; retry later with the same clientMsgId");
        }
    }

    /**
     * Whether a send is refused at pipeline delay {@code delay}: odds rise linearly from 0 at {@code from} to 1 at
     * {@code to} (certain past {@code from} when {@code to} is not above it: settings out of order).
     */
    static boolean refuses(long delay, long from, long to, double random) {
        if (delay <= from) {
            return false;
        }
        return delay >= to || random < (double) (delay - from) / (to - from);
    }
}
