package im.push;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import javax.crypto.spec.SecretKeySpec;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Admin credentials: an HS256 token (smallrye-jwt, server secret {@code im.jwt.secret}) whose {@code groups} claim holds
 * {@code admin}. A valid user token without the role is FORBIDDEN, anything else UNAUTHORIZED.
 */
@ApplicationScoped
public class AdminAuth {

    @Inject
    JWTParser parser;

    @ConfigProperty(name = "im.jwt.secret")
    String secret;

    private JWTAuthContextInfo context;

    @PostConstruct
    void init() {
        context = new JWTAuthContextInfo(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"), null);
        context.setSignatureAlgorithm(Set.of(SignatureAlgorithm.HS256));
        context.setClockSkew(5);
    }

    /** The admin's token, or a refusal. */
    public JsonWebToken requireAdmin(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "an admin bearer token is required");
        }
        JsonWebToken jwt;
        try {
            jwt = parser.parse(authorization.substring(7).trim(), context);
        } catch (ParseException e) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "invalid or expired token");
        }
        if (!jwt.getGroups().contains("admin")) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "broadcasts need an admin token, not a user token");
        }
        return jwt;
    }
}
