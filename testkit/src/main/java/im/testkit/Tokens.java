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
    /** The role of a service credential on the internal APIs (service-edge's {@code ServiceTokens.ROLE}). */
    public static final String SERVICE_ROLE = "internal";

    private Tokens() {
    }

    public static String sign(String secret, String userId, String userName, Duration lifetime, boolean admin) {
        return sign(secret, userId, userName, lifetime, admin ? List.of("admin") : List.of());
    }

    /** A token with the {@code groups} claim {@code groups} (none when empty). */
    public static String sign(String secret, String userId, String userName, Duration lifetime, List<String> groups) {
        Instant now = Instant.now();
        JwtClaims claims = new JwtClaims();
        claims.setSubject(userId);
        claims.setIssuedAt(NumericDate.fromSeconds(now.getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(now.plus(lifetime).getEpochSecond()));
        if (userName != null) {
            claims.setClaim("name", userName);
        }
        if (!groups.isEmpty()) {
            claims.setStringListClaim("groups", groups);
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

    /**
     * A one-hour service credential for the internal APIs (history's and media's {@code /v1/internal}, routing's
     * {@code /v1/routing}), as one service shows another, signed with {@code secret}.
     */
    public static String service(String secret, String serviceName) {
        return sign(secret, serviceName, null, Duration.ofHours(1), List.of(SERVICE_ROLE));
    }

    /** A service credential signed with {@link #DEV_SECRET}. */
    public static String service(String serviceName) {
        return service(DEV_SECRET, serviceName);
    }
}
