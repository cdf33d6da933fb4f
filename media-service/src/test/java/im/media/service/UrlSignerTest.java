package im.media.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import im.media.persistence.MediaEntity;
import im.media.storage.Keys.Variant;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

class UrlSignerTest {
    private static final String SECRET = "a-media-url-secret-of-at-least-32-bytes!";
    private static final UrlSigner SIGNER = new UrlSigner(SECRET, "https://im.example/");
    private static final String ID = UUID.randomUUID().toString();

    private static String param(String url, String name) {
        for (String pair : url.substring(url.indexOf('?') + 1).split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        return null;
    }

    private static ErrorCode refusal(Runnable call) {
        try {
            call.run();
        } catch (ProtocolException e) {
            return e.code();
        }
        return null;
    }

    private static MediaEntity row(String owner, Long withdrawnAt) {
        MediaEntity row = new MediaEntity();
        row.mediaId = ID;
        row.ownerId = owner;
        row.withdrawnAt = withdrawnAt;
        return row;
    }

    @Test
    void url_isSignedForItsFileVariantAndExpiry_andAuthenticAfterItExpires() {
        String url = SIGNER.url(ID, Variant.THUMBNAIL, 1_000);
        String exp = param(url, "exp");
        String sig = param(url, "sig");

        assertThat(url).startsWith("https://im.example/v1/media/" + ID + "/thumbnail?exp=1000&sig=");
        assertThat(SIGNER.authentic(ID, Variant.THUMBNAIL, exp, sig)).isTrue();
        assertThat(SIGNER.verify(ID, Variant.THUMBNAIL, exp, sig, 999)).isTrue();
        assertThat(SIGNER.verify(ID, Variant.THUMBNAIL, exp, sig, 1_001)).isFalse();
        assertThat(SIGNER.authentic(ID, Variant.LARGE, exp, sig)).isFalse();
        assertThat(SIGNER.authentic(ID, Variant.THUMBNAIL, "1001", sig)).isFalse();
        assertThat(SIGNER.authentic(UUID.randomUUID().toString(), Variant.THUMBNAIL, exp, sig)).isFalse();
        assertThat(SIGNER.authentic(ID, Variant.THUMBNAIL, exp, sig + "A")).isFalse();
        assertThat(SIGNER.authentic(ID, Variant.THUMBNAIL, exp, "é")).isFalse();
        assertThat(SIGNER.authentic(ID, Variant.THUMBNAIL, null, sig)).isFalse();
        assertThat(new UrlSigner("another-media-url-secret-of-32-bytes-or-more", "https://im.example")
                .authentic(ID, Variant.THUMBNAIL, exp, sig)).isFalse();
    }

    @Test
    void secret_mustBeLongEnough_andNotTheTokenSecret() {
        assertThatThrownBy(() -> UrlSigner.checkSecret("short", "token-secret")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> UrlSigner.checkSecret(SECRET, SECRET)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("token secret");
        UrlSigner.checkSecret(SECRET, "a-token-secret-that-differs-from-the-url-one");
        UrlSigner.checkSecret(SECRET, null);
    }

    @Test
    void renewal_needsAnAuthenticUrl_orOwnership_andNeverSignsAWithdrawnUpload() {
        assertThat(UrlRenewal.decide(true, row("alice", null), "bob").ownerId).isEqualTo("alice");
        assertThat(UrlRenewal.decide(false, row("alice", null), "alice").ownerId).isEqualTo("alice");
        assertThat(refusal(() -> UrlRenewal.decide(false, row("alice", null), "bob"))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(refusal(() -> UrlRenewal.decide(false, null, "bob"))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(refusal(() -> UrlRenewal.decide(true, null, "bob"))).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(refusal(() -> UrlRenewal.decide(true, row("alice", 5L), "bob"))).isEqualTo(ErrorCode.GONE);
        assertThat(refusal(() -> UrlRenewal.decide(false, row("alice", 5L), "alice"))).isEqualTo(ErrorCode.GONE);
    }

    @Test
    void renewalParameters_areCheckedBeforeAnythingIsLookedUp() {
        String url = SIGNER.url(ID, Variant.ORIGINAL, 1_000);
        String exp = param(url, "exp");
        String sig = param(url, "sig");

        assertThat(UrlRenewal.checkSignature(new UrlRenewal.Proof(ID, Variant.ORIGINAL, exp, sig, "bob"), SIGNER)).isTrue();
        assertThat(UrlRenewal.checkSignature(new UrlRenewal.Proof(ID, Variant.ORIGINAL, null, null, "bob"), SIGNER))
                .isFalse();
        assertThat(refusal(() -> UrlRenewal.checkSignature(new UrlRenewal.Proof("x", Variant.ORIGINAL, exp, sig, "bob"),
                SIGNER))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(refusal(() -> UrlRenewal.checkSignature(new UrlRenewal.Proof(ID, null, exp, sig, "bob"), SIGNER)))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(refusal(() -> UrlRenewal.checkSignature(new UrlRenewal.Proof(ID, Variant.ORIGINAL, exp, null, "bob"),
                SIGNER))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(refusal(() -> UrlRenewal.checkSignature(new UrlRenewal.Proof(ID, Variant.ORIGINAL, "-1", sig, "bob"),
                SIGNER))).isEqualTo(ErrorCode.INVALID_REQUEST);
    }
}
