package im.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import im.protocol.ErrorCode;
import im.protocol.MessageType;
import im.protocol.Priority;
import im.protocol.ProtocolException;

class AdmissionTest {
    private static final long T0 = 1_000_000;

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    /** The odds drawn for the next refusal. */
    private double draw = 0.5;
    /** History's backlog in seconds of storing. */
    private double storageSeconds;

    private final TestOverload overload = new TestOverload();
    private final Admission admission = new Admission(overload, metrics, () -> draw, () -> storageSeconds);

    /** A window of {@code count} deliveries {@code age} ms old, closed by the next observation 100 ms later. */
    private long window(long at, long age, int count) {
        admission.observe(age * count, count, at);
        admission.observe(0, 0, at + Admission.WINDOW_MILLIS);
        return at + Admission.WINDOW_MILLIS;
    }

    /** A window of {@code age} ms after a quiet one: a level the delay is at, with no trend. */
    private long level(long at, long age) {
        admission.idle(at);
        return window(at + Admission.WINDOW_MILLIS, age, 50);
    }

    private ErrorCode outcome(Priority priority, MessageType type, long now) {
        try {
            admission.admit(priority, type, now);
            return null;
        } catch (ProtocolException e) {
            return e.code();
        }
    }

    @Test
    void refusalOdds_riseLinearlyFromTheClassDelay_toCertaintyAtTheNextClasss() {
        assertThat(Admission.refuses(300, 300, 450, 0.0)).isFalse();
        assertThat(Admission.refuses(375, 300, 450, 0.49)).isTrue();
        assertThat(Admission.refuses(375, 300, 450, 0.51)).isFalse();
        assertThat(Admission.refuses(450, 300, 450, 0.999)).isTrue();
        assertThat(Admission.refuses(10_000, 300, 450, 0.999)).isTrue();
        assertThat(Admission.refuses(301, 300, 300, 0.999)).as("settings out of order: certain past its delay").isTrue();
    }

    @Test
    void theDelayIsAWindowsMean_onlyWithEnoughSamples_andAnEmptyPollEndsIt() {
        assertThat(admission.delay(T0)).isZero();
        long closed = window(T0, 800, 20);
        assertThat(admission.delay(closed)).isEqualTo(800);
        // the loop polls and finds nothing: nobody sends, the window closes with no sample
        admission.idle(closed + Admission.WINDOW_MILLIS);
        assertThat(admission.delay(closed + Admission.WINDOW_MILLIS)).isZero();

        // 19 deliveries in a window: a quiet node, however late they were
        long quiet = window(closed + 5_000, 10_000, 19);
        assertThat(admission.delay(quiet)).isZero();

        // a window's mean, not its worst
        admission.observe(100 * 30, 30, quiet + 1_000);
        admission.observe(1_000 * 10, 10, quiet + 1_050);
        admission.observe(0, 0, quiet + 1_100);
        assertThat(admission.delay(quiet + 1_100)).isEqualTo(325);
    }

    @Test
    void aLoopStuckBehindTheEventLoops_afterABusyWindow_addsTheTimeItIsStuck() {
        long busy = window(T0, 400, 50);
        assertThat(admission.delay(busy + Admission.STUCK_MILLIS - 1)).isEqualTo(400);
        assertThat(admission.delay(busy + 2_000)).as("no read, no poll for 2 s").isEqualTo(2_400);
        admission.idle(busy + 2_000);
        assertThat(admission.delay(busy + 2_000)).isZero();

        // after a quiet window a stuck loop is a pause (a GC, a slow test box), not a backlog
        long quiet = window(busy + 5_000, 0, 3);
        assertThat(admission.delay(quiet + 5_000)).isZero();
    }

    @Test
    void pastSaturation_barrageAndLowGoFirst_thenMedium_highLast_onALadderThatDoesNotOverlap() {
        long at = window(T0, 400, 50);
        draw = 0.5; // 400 ms: low refused at odds 100/150, medium and high never
        assertThat(outcome(Priority.LOW, MessageType.TEXT, at)).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(outcome(null, MessageType.TEXT, at)).as("no priority is low").isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(outcome(Priority.HIGH, MessageType.BARRAGE, at)).as("barrage is the lowest class whatever its priority")
                .isEqualTo(ErrorCode.UNAVAILABLE);
        draw = 0.0;
        assertThat(outcome(Priority.MEDIUM, MessageType.TEXT, at)).isNull();
        assertThat(outcome(Priority.HIGH, MessageType.TEXT, at)).isNull();

        at = level(at, 700);
        draw = 0.999; // 700 ms: low and medium refused for certain, high at odds 100/600
        assertThat(outcome(Priority.LOW, MessageType.TEXT, at)).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(outcome(Priority.MEDIUM, MessageType.TEXT, at)).isEqualTo(ErrorCode.UNAVAILABLE);
        draw = 0.2;
        assertThat(outcome(Priority.HIGH, MessageType.TEXT, at)).isNull();
        assertThat(outcome(Priority.HIGH, MessageType.COMMAND, at)).isNull();
        draw = 0.1;
        assertThat(outcome(Priority.HIGH, MessageType.TEXT, at)).isEqualTo(ErrorCode.UNAVAILABLE);

        at = level(at, 1_200);
        draw = 0.999;
        assertThat(outcome(Priority.HIGH, MessageType.TEXT, at)).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(metrics.counter("im.gateway.send.shed", "class", "low").count()).isEqualTo(3);
        assertThat(metrics.counter("im.gateway.send.shed", "class", "barrage").count()).isEqualTo(1);
        assertThat(metrics.counter("im.gateway.send.shed", "class", "medium").count()).isEqualTo(1);
        assertThat(metrics.counter("im.gateway.send.shed", "class", "high").count()).isEqualTo(2);
    }

    @Test
    void aGrowingDelay_isMetLaterThanMeasured_soSendsAreRefusedSooner_andAFallingOneLater() {
        long at = window(T0, 400, 50);
        assertThat(admission.expected(at)).as("no trend yet").isEqualTo(400);
        at = window(at, 500, 50); // +100 ms per 100 ms window: trend (0 + 1) / 2, not counted after one rise
        assertThat(admission.delay(at)).isEqualTo(500);
        assertThat(admission.expected(at)).isEqualTo(500);
        at = window(at, 600, 50); // risen twice in a row: trend (0.5 + 1) / 2 counts, at most three times the delay
        assertThat(admission.expected(at)).isEqualTo(1_050);
        draw = 0.5;
        assertThat(outcome(Priority.HIGH, MessageType.TEXT, at)).as("600 ms measured, 1,050 expected").isEqualTo(
                ErrorCode.UNAVAILABLE);

        at = window(at, 300, 50); // falling fast: trend (0.75 - 3) / 2, but never under half the delay
        assertThat(admission.expected(at)).isEqualTo(150);
        assertThat(outcome(Priority.LOW, MessageType.TEXT, at)).isNull();
        // a quiet window ends the trend
        admission.idle(at + Admission.WINDOW_MILLIS);
        assertThat(admission.expected(at + Admission.WINDOW_MILLIS)).isZero();
    }

    @Test
    void oneLateWindow_atALoadTheStackKeepsUpWith_isNotABacklog() {
        long at = T0;
        for (int i = 0; i < 5; i++) {
            at = window(at, 20, 500);
        }
        at = window(at, 200, 500); // a GC pause: 20 → 200 ms in one window
        assertThat(admission.expected(at)).isEqualTo(200);
        draw = 0.0;
        assertThat(outcome(Priority.LOW, MessageType.TEXT, at)).isNull();
        at = window(at, 20, 500); // back at once: falling, trend (0.9 - 1.8) / 2 moves it down
        assertThat(admission.expected(at)).isEqualTo(11);
    }

    @Test
    void underTheDelays_orWhenTurnedOff_nothingIsRefused() {
        long at = window(T0, 250, 500);
        draw = 0.0;
        for (MessageType type : MessageType.values()) {
            for (Priority priority : Priority.values()) {
                assertThatCode(() -> admission.admit(priority, type, T0 + 100)).doesNotThrowAnyException();
            }
        }
        at = level(at, 5_000);
        overload.enabled = false;
        assertThat(outcome(Priority.LOW, MessageType.BARRAGE, at)).isNull();
    }

    @Test
    void historyBehind_refusesLowReliableFirst_mediumPastTwiceTheLimit_neverHighBarrageOrSignals() {
        draw = 0.5;
        storageSeconds = 4.9; // under the limit (5 s)
        assertThat(outcome(Priority.LOW, MessageType.TEXT, T0)).isNull();
        storageSeconds = 7.6; // odds 0.52 for low
        assertThat(outcome(Priority.LOW, MessageType.TEXT, T0)).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(outcome(null, MessageType.IMAGE, T0)).isEqualTo(ErrorCode.UNAVAILABLE); // no priority: low
        assertThat(outcome(Priority.MEDIUM, MessageType.TEXT, T0)).isNull();
        assertThat(outcome(Priority.HIGH, MessageType.TEXT, T0)).isNull();
        assertThat(outcome(Priority.LOW, MessageType.BARRAGE, T0)).isNull(); // not stored
        assertThat(outcome(Priority.LOW, MessageType.COMMAND, T0)).isNull(); // signaling, not stored
        storageSeconds = 12.6; // low certain; medium odds 0.52
        draw = 0.99;
        assertThat(outcome(Priority.LOW, MessageType.TEXT, T0)).isEqualTo(ErrorCode.UNAVAILABLE);
        draw = 0.5;
        assertThat(outcome(Priority.MEDIUM, MessageType.TEXT, T0)).isEqualTo(ErrorCode.UNAVAILABLE);
        storageSeconds = 60;
        draw = 0.0;
        assertThat(outcome(Priority.HIGH, MessageType.TEXT, T0)).isNull();
        assertThat(metrics.counter("im.gateway.send.shed", "class", "low").count()).isEqualTo(3);
        assertThat(metrics.counter("im.gateway.send.shed", "class", "medium").count()).isEqualTo(1);
        overload.enabled = false;
        draw = 0.0;
        assertThat(outcome(Priority.LOW, MessageType.TEXT, T0)).isNull();
    }
}
