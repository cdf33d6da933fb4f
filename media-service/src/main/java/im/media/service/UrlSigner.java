package im.media.service;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import im.media.config.MediaConfig;
import im.media.storage.Keys.Variant;

/**
 * Signed, expiring download URLs: {@code sig} = base64url(HMAC-SHA256(secret, mediaId/variant/exp)), {@code exp} in epoch
 * seconds. Whoever holds the URL may download until it expires; nothing else opens a file.
 */
@ApplicationScoped
public class UrlSigner {

    private final SecretKeySpec key;
    private final String base;

    UrlSigner(MediaConfig config) {
        this.key = new SecretKeySpec(config.urlSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        String url = config.publicUrl();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The signature of one file's URL. */
    public String sign(String mediaId, Variant variant, long exp) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] sig = mac.doFinal((mediaId + "/" + variant.wireName() + "/" + exp).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** The public URL of one file, valid until {@code exp}. */
    public String url(String mediaId, Variant variant, long exp) {
        String path = variant == Variant.ORIGINAL ? "" : "/" + variant.wireName();
        return base + "/v1/media/" + mediaId + path + "?exp=" + exp + "&sig=" + sign(mediaId, variant, exp);
    }

    /** Whether {@code sig} signs this file until {@code exp} and {@code exp} has not passed (constant-time compare). */
    public boolean verify(String mediaId, Variant variant, String exp, String sig, long nowSeconds) {
        if (exp == null || sig == null) {
            return false;
        }
        long expires;
        try {
            expires = Long.parseLong(exp);
        } catch (NumberFormatException e) {
            return false;
        }
        byte[] expected = sign(mediaId, variant, expires).getBytes(StandardCharsets.US_ASCII);
        boolean valid = MessageDigest.isEqual(expected, sig.getBytes(StandardCharsets.US_ASCII));
        return valid && expires >= nowSeconds;
    }
}
