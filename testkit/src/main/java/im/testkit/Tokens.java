package im.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

/**
 * Signs HS256 tokens with the server secret, exactly as an app's own backend would: {@code sub} = userId, optional
 * {@code name}, {@code iat}, {@code exp}, and {@code groups: [admin]} for operators.
 */
public final class Tokens {
    /** The secret of the local stack and the tests; production sets its own ({@code IM_JWT_SECRET}). */
    public static final String DEV_SECRET = "im-local-development-secret-change-me-0123456789";

    private Tokens() {
    }

    public static String sign(String secret, String userId, String userName, Duration lifetime, boolean admin) {
        Instant now = Instant.now();
        JwtClaims claims = new JwtClaims();
        claims.setSubject(userId);
        claims.setIssuedAt(NumericDate.fromSeconds(now.getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(now.plus(lifetime).getEpochSecond()));
        if (userName != null) {
            claims.setClaim("name", userName);
        }
        if (admin) {
            claims.setStringListClaim("groups", List.of("admin"));
        }
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        jws.setHeader("typ", "JWT");
        jws.setKey(new HmacKey(secret.getBytes(StandardCharsets.UTF_8)));
        jws.setDoKeyValidation(false);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign token", e);
        }
    }

    /** A one-hour user token signed with {@link #DEV_SECRET}. */
    public static String user(String userId) {
        return sign(DEV_SECRET, userId, userId, Duration.ofHours(1), false);
    }

    /** A one-hour admin token signed with {@link #DEV_SECRET}. */
    public static String admin(String userId) {
        return sign(DEV_SECRET, userId, userId, Duration.ofHours(1), true);
    }
}
