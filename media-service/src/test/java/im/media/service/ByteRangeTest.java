package im.media.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import im.protocol.ProtocolException;

class ByteRangeTest {

    @Test
    void parse_singleRanges() {
        assertThat(ByteRange.parse("bytes=0-9", 100)).isEqualTo(new ByteRange(0, 10));
        assertThat(ByteRange.parse("bytes=90-200", 100)).isEqualTo(new ByteRange(90, 10));
        assertThat(ByteRange.parse("bytes=95-", 100)).isEqualTo(new ByteRange(95, 5));
        assertThat(ByteRange.parse("bytes=-5", 100)).isEqualTo(new ByteRange(95, 5));
        assertThat(ByteRange.parse("bytes=-500", 100)).isEqualTo(new ByteRange(0, 100));
        assertThat(new ByteRange(95, 5).contentRange(100)).isEqualTo("bytes 95-99/100");
    }

    @Test
    void parse_ignoresWhatItDoesNotServe() {
        assertThat(ByteRange.parse(null, 100)).isNull();
        assertThat(ByteRange.parse("bytes=0-1,5-6", 100)).isNull();
        assertThat(ByteRange.parse("items=0-1", 100)).isNull();
        assertThat(ByteRange.parse("bytes=5-1", 100)).isNull();
        assertThat(ByteRange.parse("bytes=x-", 100)).isNull();
    }

    @Test
    void parse_refusesUnsatisfiable() {
        assertThatThrownBy(() -> ByteRange.parse("bytes=100-", 100)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> ByteRange.parse("bytes=-0", 100)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> ByteRange.parse("bytes=0-", 0)).isInstanceOf(ProtocolException.class);
    }
}
