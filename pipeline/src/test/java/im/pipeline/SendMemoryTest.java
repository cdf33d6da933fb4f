package im.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class SendMemoryTest {

    private final AtomicLong now = new AtomicLong(1_000_000);

    private static DedupeKey key(int i) {
        return DedupeKey.of("user-" + (i % 7), "p:a:b", "client-" + i);
    }

    @Test
    void theFirstValuesWin_andAreReturnedToLaterWrites() {
        SendMemory memory = new SendMemory(1_000, 3, 60_000, now::get);
        assertThat(memory.get(key(1))).isNull();
        assertThat(memory.putIfAbsent(key(1), 10, SendMemory.NONE, -3)).isNull();
        assertThat(memory.putIfAbsent(key(1), 11, 12, 13)).containsExactly(10, SendMemory.NONE, -3);
        assertThat(memory.get(key(1))).containsExactly(10, SendMemory.NONE, -3);
        assertThat(memory.get(key(2))).isNull();
        assertThatThrownBy(() -> memory.putIfAbsent(key(3), 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEntryOlderThanTheWindowIsForgotten_andCanBeWrittenAgain() {
        SendMemory memory = new SendMemory(1_000, 1, 60_000, now::get);
        memory.putIfAbsent(key(1), 1);
        now.addAndGet(59_999);
        assertThat(memory.get(key(1))).containsExactly(1);
        now.addAndGet(2);
        assertThat(memory.get(key(1))).isNull();
        // written again into the same table as the expired entry: the live one is found, not the expired one first
        assertThat(memory.putIfAbsent(key(1), 2)).isNull();
        assertThat(memory.get(key(1))).containsExactly(2);
        assertThat(memory.putIfAbsent(key(1), 3)).containsExactly(2);
    }

    @Test
    void remembersAtLeastItsCapacityOfLatestSends_andForgetsTheOldestBeyondIt() {
        int capacity = 24_000;
        SendMemory memory = new SendMemory(capacity, 1, 60_000, now::get);
        int sends = 100_000;
        for (int i = 0; i < sends; i++) {
            assertThat(memory.putIfAbsent(key(i), i)).isNull();
        }
        int remembered = 0;
        for (int i = 0; i < sends; i++) {
            long[] values = memory.get(key(i));
            if (values != null) {
                assertThat(values).containsExactly(i);
                remembered++;
            }
        }
        // the latest sends are all remembered (a stripe's share varies a little with the hash: 0.9 of the capacity is
        // well inside that), the oldest are not, and the whole stays near the capacity
        for (int i = sends - capacity * 9 / 10; i < sends; i++) {
            assertThat(memory.get(key(i))).as("send %d", i).isNotNull();
        }
        for (int i = 0; i < sends - capacity * 3 / 2; i++) {
            assertThat(memory.get(key(i))).as("send %d", i).isNull();
        }
        assertThat(remembered).isBetween(capacity * 9 / 10, capacity * 4 / 3 + SendMemory.STRIPES);
    }

    @Test
    void concurrentWritersOfOneKey_exactlyOneWins() throws Exception {
        SendMemory memory = new SendMemory(10_000, 1, 60_000);
        int threads = 4;
        int keys = 5_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger stored = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long writer = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < keys; i++) {
                        long[] before = memory.putIfAbsent(key(i), writer);
                        if (before == null) {
                            stored.incrementAndGet();
                        } else {
                            assertThat(before[0]).isBetween(0L, threads - 1L);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get(30, TimeUnit.SECONDS);
            }
            assertThat(stored).hasValue(keys);
        } finally {
            pool.shutdownNow();
        }
    }
}
