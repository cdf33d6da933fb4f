package im.media.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

class DecodeBudgetTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void decodesTogether_neverHoldMoreThanTheTotal_andAWaitingOneProceedsWhenMemoryIsGivenBack() throws Exception {
        DecodeBudget budget = new DecodeBudget(100 * MIB, Duration.ofSeconds(30));
        DecodeBudget.Share first = budget.acquire(60 * MIB);
        CompletableFuture<DecodeBudget.Share> second = CompletableFuture.supplyAsync(() -> budget.acquire(60 * MIB));
        assertThat(second).isNotDone();
        first.close();
        first.close(); // twice gives back once
        DecodeBudget.Share got = second.get(10, TimeUnit.SECONDS);
        assertThat(budget.availableKib()).isEqualTo(40 * 1024);
        got.close();
        assertThat(budget.availableKib()).isEqualTo(100 * 1024);
    }

    @Test
    void aDecodeThatCannotGetItsShareInTime_isUnavailable() {
        DecodeBudget budget = new DecodeBudget(10 * MIB, Duration.ofMillis(50));
        try (DecodeBudget.Share held = budget.acquire(8 * MIB)) {
            assertThatThrownBy(() -> budget.acquire(8 * MIB)).isInstanceOfSatisfying(ProtocolException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        }
        assertThat(budget.availableKib()).isEqualTo(10 * 1024);
    }
}
