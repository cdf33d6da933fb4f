package im.media.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DecodeMemoryTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void aHundredMillionPixelRow_needsGigabytes_whateverTheSubsampling() {
        long wide = DecodeMemory.estimate(100_000_000, 1, 24, 92_592);
        assertThat(wide).isGreaterThan(1024 * MIB);
    }

    @Test
    void aHundredMillionRows_needTheWholeImage() {
        assertThat(DecodeMemory.estimate(1, 100_000_000, 24, 92_592)).isGreaterThan(256 * MIB);
    }

    @Test
    void anOrdinaryPhoto_fitsWellUnderTheDefaultBudget() {
        long photo = DecodeMemory.estimate(4000, 3000, 24, 3);
        assertThat(photo).isBetween(36 * MIB, 64 * MIB);
        assertThat(DecodeMemory.estimate(320, 240, 32, 1)).isLessThan(2 * MIB);
    }

    @Test
    void hugeHeaders_saturateInsteadOfOverflowing() {
        assertThat(DecodeMemory.estimate(Integer.MAX_VALUE, Integer.MAX_VALUE, 64 * 4, 1)).isEqualTo(Long.MAX_VALUE);
    }
}
