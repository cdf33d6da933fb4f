package im.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;

class MessageIdsTest {

    @Test
    void anIdItMakesIsCanonical_andComesBackAsTheSameString() {
        for (int i = 0; i < 1_000; i++) {
            String id = MessageIds.next(System.currentTimeMillis());
            UUID uuid = MessageIds.canonicalUuid(id);
            assertThat(uuid).isNotNull();
            assertThat(uuid.toString()).isEqualTo(id);
            assertThat(MessageIds.timestampOf(id)).isEqualTo(uuid.getMostSignificantBits() >>> 16);
        }
    }

    @Test
    void anythingElseIsNotCanonical() {
        String id = MessageIds.next(1_700_000_000_000L);
        assertThat(MessageIds.canonicalUuid(null)).isNull();
        assertThat(MessageIds.canonicalUuid(id.toUpperCase())).isNull();
        assertThat(MessageIds.canonicalUuid(id + "0")).isNull();
        assertThat(MessageIds.canonicalUuid(id.substring(1))).isNull();
        assertThat(MessageIds.canonicalUuid(id.replace('-', '0'))).isNull();
        assertThat(MessageIds.canonicalUuid("+" + id.substring(1))).isNull();
        assertThat(MessageIds.canonicalUuid("m-" + "1".repeat(34))).isNull();
        assertThat(MessageIds.canonicalUuid("1-1-1-1-1")).isNull();
        assertThat(MessageIds.canonicalUuid("0000000g-0000-0000-0000-000000000000")).isNull();
        assertThat(MessageIds.canonicalUuid("00000000-0000-0000-0000-000000000000")).isEqualTo(new UUID(0, 0));
    }
}
