package im.edge;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import javax.crypto.spec.SecretKeySpec;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;

/**
 * How every service verifies tokens, stated once: HS256 with the server secret {@code im.jwt.secret} (at least 32
 * bytes), 5 s of clock skew. smallrye-jwt uses it everywhere: its HTTP mechanism behind {@code @Authenticated} and
 * {@code @RolesAllowed}, the injected {@code JsonWebToken}, and {@code JWTParser.parse(token)} where a token comes
 * another way (the gateway's WebSocket query). Produced here because smallrye-jwt reads a symmetric key from its own
 * configuration only as a JWK, and operators set the secret as a plain string.
 */
@ApplicationScoped
public class TokenContext {
    /** Seconds an expired token is still accepted: clocks of apps' backends drift. */
    static final int CLOCK_SKEW_SECONDS = 5;

    @Produces
    @Alternative
    @Priority(1)
    @ApplicationScoped
    JWTAuthContextInfo context(@ConfigProperty(name = "im.jwt.secret") String secret) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        if (key.length < 32) {
            throw new IllegalStateException("im.jwt.secret must be at least 32 bytes for HS256");
        }
        JWTAuthContextInfo context = new JWTAuthContextInfo(new SecretKeySpec(key, "HmacSHA256"), null);
        context.setSignatureAlgorithm(Set.of(SignatureAlgorithm.HS256));
        context.setClockSkew(CLOCK_SKEW_SECONDS);
        return context;
    }
}
