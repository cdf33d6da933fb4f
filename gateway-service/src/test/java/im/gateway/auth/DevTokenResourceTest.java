package im.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The dev token endpoint mints tokens for loopback connections only, whatever the LAN sends. */
class DevTokenResourceTest {

    @Test
    void loopbackAddresses_areLoopback() {
        assertThat(DevTokenResource.isLoopback("127.0.0.1")).isTrue();
        assertThat(DevTokenResource.isLoopback("127.10.0.3")).isTrue();
        assertThat(DevTokenResource.isLoopback("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(DevTokenResource.isLoopback("::1")).isTrue();
    }

    @Test
    void otherAddresses_areNot() {
        assertThat(DevTokenResource.isLoopback("192.168.1.20")).isFalse();
        assertThat(DevTokenResource.isLoopback("10.0.0.1")).isFalse();
        assertThat(DevTokenResource.isLoopback("fe80::1")).isFalse();
        assertThat(DevTokenResource.isLoopback("localhost.evil.example")).isFalse();
        assertThat(DevTokenResource.isLoopback("deadbeef.example")).isFalse();
        assertThat(DevTokenResource.isLoopback("")).isFalse();
        assertThat(DevTokenResource.isLoopback(null)).isFalse();
    }
}
