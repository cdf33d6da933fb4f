package im.media.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import im.protocol.ErrorCode;
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
        assertThat(ByteRange.parse("BYTES = 0-9", 100)).isEqualTo(new ByteRange(0, 10));
    }

    @Test
    void parse_refusesMalformedByteRanges_asInvalidRequest() {
        for (String header : new String[]{"bytes=x-", "bytes=", "bytes=-", "bytes=1-2-3", "0-10", "bytes=+1-2",
                "bytes=0x10-", "bytes=0-1,a"}) {
            assertThatThrownBy(() -> ByteRange.parse(header)).as(header).isInstanceOfSatisfying(ProtocolException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
        }
    }

    @Test
    void parse_refusesUnsatisfiable() {
        for (String header : new String[]{"bytes=100-", "bytes=-0", "bytes=5-1", "bytes=99999999999999999999999-"}) {
            assertThatThrownBy(() -> ByteRange.parse(header, 100)).as(header)
                    .isInstanceOfSatisfying(ProtocolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.RANGE_NOT_SATISFIABLE));
        }
        assertThatThrownBy(() -> ByteRange.parse("bytes=0-", 0)).isInstanceOf(ProtocolException.class);
        assertThat(ByteRange.parse("bytes=0-99999999999999999999999", 100)).isEqualTo(new ByteRange(0, 100));
    }
}
