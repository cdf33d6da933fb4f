package im.media.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FileNamesTest {

    @Test
    void clean_keepsOnlyTheLastSegment_withoutControls() {
        assertThat(FileNames.clean("../../etc/passwd")).isEqualTo("passwd");
        assertThat(FileNames.clean("..\\..\\x")).isEqualTo("x");
        assertThat(FileNames.clean("a\u0000b\u202Ec.txt")).isEqualTo("abc.txt");
        assertThat(FileNames.clean("..")).isEqualTo("file");
        assertThat(FileNames.clean("dir/")).isEqualTo("file");
        assertThat(FileNames.clean(null)).isEqualTo("file");
        assertThat(FileNames.clean("x".repeat(300))).hasSize(FileNames.MAX_LENGTH);
    }

    @Test
    void clean_dropsUnpairedSurrogates_keepsPairs() {
        assertThat(FileNames.clean("a\uD800b\uDC00c.txt")).isEqualTo("abc.txt");
        assertThat(FileNames.clean("\uD83D\uDE00.png")).isEqualTo("\uD83D\uDE00.png");
        assertThat(FileNames.clean("\uD800")).isEqualTo("file");
        String cut = FileNames.clean("x".repeat(254) + "\uD83D\uDE00");
        assertThat(cut).hasSize(254);
    }

    @Test
    void contentDisposition_quotesSafely_andEncodesUtf8() {
        assertThat(FileNames.contentDisposition(false, "notes è \"q\".txt"))
                .isEqualTo("attachment; filename=\"notes _ _q_.txt\"; filename*=UTF-8''notes%20%C3%A8%20%22q%22.txt");
        assertThat(FileNames.contentDisposition(true, "a.png")).isEqualTo("inline; filename=\"a.png\"; filename*=UTF-8''a.png");
    }
}
