package im.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class StorageLagTest {
    private static final long T0 = 1_000_000;

    private final StorageLag lag = new StorageLag(new TestOverload(), null);

    @Test
    void backlog_isTheTimeToStoreIt_atTheRateHistoryStores() {
        lag.observe(T0, 0, 80_000);
        assertThat(lag.seconds()).isZero(); // one reading: no rate yet
        long committed = 0;
        for (int s = 1; s <= 12; s++) {
            committed += 10_000; // 10,000 stored a second
            lag.observe(T0 + s * 1000L, committed, 80_000);
        }
        assertThat(lag.seconds()).isCloseTo(8.0, within(0.01));
    }

    @Test
    void aStoppedHistory_aSmallBacklog_orNoCommits_doNotCount() {
        long committed = 0;
        long at = T0;
        for (int s = 0; s < 10; s++) {
            committed += 10_000;
            at += 1000;
            lag.observe(at, committed, 500); // under storage-min-backlog
            assertThat(lag.seconds()).isZero();
        }
        lag.observe(at += 1000, committed += 10_000, 60_000);
        assertThat(lag.seconds()).isPositive();
        // history stops: the backlog grows, nothing is stored; once it has stored nothing for 3 s it no longer counts
        for (int s = 1; s <= 3; s++) {
            lag.observe(at += 1000, committed, 60_000 + s * 10_000);
        }
        assertThat(lag.seconds()).isPositive();
        lag.observe(at += 1000, committed, 100_000);
        assertThat(lag.seconds()).isZero();
        // and counts again once it stores
        lag.observe(at += 1000, committed + 20_000, 80_000);
        assertThat(lag.seconds()).isPositive();
        lag.observe(at + 1000, -1, 80_000); // the group's offsets are gone
        assertThat(lag.seconds()).isZero();
    }
}
