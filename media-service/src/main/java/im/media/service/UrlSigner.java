package im.media.service;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.StartupEvent;

import im.media.config.MediaConfig;
import im.media.storage.Keys.Variant;

/**
 * Signed, expiring download URLs: {@code sig} = base64url(HMAC-SHA256(url-secret, mediaId/variant/exp)), {@code exp} in
 * epoch seconds. Whoever holds the URL may download until it expires; nothing else opens a file. A URL whose signature
 * is {@linkplain #authentic authentic} but expired still proves that its holder once had the message that carried it:
 * with a user's token it is renewed ({@link UrlRenewal}). The key is media's own: a service or app backend that can sign
 * tokens cannot sign URLs.
 */
@ApplicationScoped
public class UrlSigner {
    /** Least bytes of the secret (HMAC-SHA256's block of security). */
    static final int MIN_SECRET_BYTES = 32;

    private final SecretKeySpec key;
    private final String base;

    @Inject
    UrlSigner(MediaConfig config) {
        this(config.urlSecret(), config.publicUrl());
    }

    UrlSigner(String secret, String publicUrl) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.base = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    }

    /** Refuses to start with a short URL secret or with the token secret. */
    void check(@Observes StartupEvent event, MediaConfig config,
            @ConfigProperty(name = "im.jwt.secret") Optional<String> tokenSecret) {
        checkSecret(config.urlSecret(), tokenSecret.orElse(null));
    }

    static void checkSecret(String urlSecret, String tokenSecret) {
        if (urlSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new IllegalStateException("im.media.url-secret (IM_MEDIA_URL_SECRET) must be at least " + MIN_SECRET_BYTES
                    + " bytes");
        }
        if (urlSecret.equals(tokenSecret)) {
            throw new IllegalStateException("im.media.url-secret (IM_MEDIA_URL_SECRET) must not be the token secret "
                    + "(im.jwt.secret): whoever signs tokens could then sign download URLs");
        }
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

    /** Whether {@code sig} is this service's signature of this file until {@code exp}, expired or not (constant time). */
    public boolean authentic(String mediaId, Variant variant, String exp, String sig) {
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
        return MessageDigest.isEqual(expected, sig.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether {@code sig} signs this file until {@code exp} and {@code exp} has not passed (constant-time compare). */
    public boolean verify(String mediaId, Variant variant, String exp, String sig, long nowSeconds) {
        return authentic(mediaId, variant, exp, sig) && Long.parseLong(exp) >= nowSeconds;
    }
}
