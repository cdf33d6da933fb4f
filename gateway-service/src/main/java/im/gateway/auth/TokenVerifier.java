package im.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import javax.crypto.spec.SecretKeySpec;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.jose4j.jwt.consumer.InvalidJwtException;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;

import im.gateway.config.JwtConfig;
import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.ProtocolException;

/**
 * Verifies tokens with smallrye-jwt (HS256 with the server secret {@code im.jwt.secret}) and turns them into a
 * {@link UserPrincipal}. One place for the WebSocket, which takes tokens from a header or the query, and REST.
 */
@ApplicationScoped
public class TokenVerifier {
    private static final Logger LOG = Logger.getLogger(TokenVerifier.class);

    @Inject
    JWTParser parser;

    @Inject
    JwtConfig config;

    private JWTAuthContextInfo context;

    @PostConstruct
    void init() {
        byte[] secret = config.secret().getBytes(StandardCharsets.UTF_8);
        if (secret.length < 32) {
            throw new IllegalStateException("im.jwt.secret must be at least 32 bytes for HS256");
        }
        context = new JWTAuthContextInfo(new SecretKeySpec(secret, "HmacSHA256"), null);
        context.setSignatureAlgorithm(Set.of(SignatureAlgorithm.HS256));
        context.setClockSkew(5);
    }

    /** Verifies a raw token; a missing, invalid or expired one is refused with its catalogued code. */
    public UserPrincipal verify(String token) {
        if (token == null || token.isBlank()) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "a token is required");
        }
        try {
            return toPrincipal(parser.parse(token, context));
        } catch (ParseException e) {
            LOG.debugf("token refused (%s)", e.getCause() == null ? "unreadable" : e.getCause().getClass().getSimpleName());
            if (hasExpired(e)) {
                throw new ProtocolException(ErrorCode.TOKEN_EXPIRED);
            }
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "invalid token");
        }
    }

    /** Verifies the token of an HTTP request's {@code Authorization: Bearer} header. */
    public UserPrincipal verifyBearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "an Authorization: Bearer token is required");
        }
        return verify(authorization.substring(7).trim());
    }

    private UserPrincipal toPrincipal(JsonWebToken jwt) {
        String userId = jwt.getSubject();
        if (!Ids.isValid(userId)) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "the token's sub is not a valid userId");
        }
        String name = jwt.getClaim("name");
        try {
            Ids.requireName(name);
        } catch (ProtocolException e) {
            // the token is what is wrong, not a request: 4401 on the WebSocket, 401 over REST (PROTOCOL.md)
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "the token's name is not a valid userName");
        }
        return new UserPrincipal(userId, name, jwt.getExpirationTime() * 1000, jwt.getGroups().contains("admin"));
    }

    private static boolean hasExpired(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidJwtException invalid && invalid.hasExpired()) {
                return true;
            }
        }
        return false;
    }
}
