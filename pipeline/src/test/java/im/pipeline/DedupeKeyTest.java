package im.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class DedupeKeyTest {

    @Test
    void theSamePartsGiveTheSameKey_anyOtherPartsAnotherOne() {
        assertThat(DedupeKey.of("alice", "p:alice:bob", "c-1")).isEqualTo(DedupeKey.of("alice", "p:alice:bob", "c-1"));
        assertThat(DedupeKey.of("alice", "p:alice:bob", "c-1")).isNotEqualTo(DedupeKey.of("alice", "p:alice:bob", "c-2"))
                .isNotEqualTo(DedupeKey.of("bob", "p:alice:bob", "c-1"))
                .isNotEqualTo(DedupeKey.of("alice", "p:alice:carol", "c-1"));
    }

    @Test
    void partBoundariesCount() {
        assertThat(DedupeKey.of("ab", "c", "d")).isNotEqualTo(DedupeKey.of("a", "bc", "d"));
        assertThat(DedupeKey.of("a\n", "b", "c")).isNotEqualTo(DedupeKey.of("a", "\nb", "c"));
        assertThat(DedupeKey.of("", "", "x")).isNotEqualTo(DedupeKey.of("", "x", ""));
    }

    @Test
    void aHundredThousandSendsGiveAHundredThousandKeys() {
        Set<DedupeKey> keys = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            keys.add(DedupeKey.of("user-" + (i % 100), "p:a:b", "client-" + i));
        }
        assertThat(keys).hasSize(100_000);
    }
}
