package im.media.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ParamsTest {

    @Test
    void isStorable_refusesNulAndUnpairedSurrogates_only() {
        assertThat(Params.isStorable("plain é 😀")).isTrue();
        assertThat(Params.isStorable("")).isTrue();
        assertThat(Params.isStorable("a\u0000b")).isFalse();
        assertThat(Params.isStorable("\uD800")).isFalse();
        assertThat(Params.isStorable("a\uDC00")).isFalse();
        assertThat(Params.isStorable("\uD800x")).isFalse();
        assertThat(Params.isStorable("\uD83D\uDE00")).isTrue();
    }
}
