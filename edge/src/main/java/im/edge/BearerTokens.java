package im.edge;

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
import im.protocol.Ids;
import im.protocol.ProtocolException;

/**
 * Verifies an {@code Authorization: Bearer} token: HS256 with the server secret {@code im.jwt.secret} (smallrye-jwt). An
 * explicit key context, because smallrye-jwt in Quarkus does not verify with a plain-string secret from its own config.
 */
@ApplicationScoped
public class BearerTokens {

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

    /** The verified token of an {@code Authorization} header, or {@code UNAUTHORIZED}. */
    public JsonWebToken verify(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "an Authorization: Bearer token is required");
        }
        try {
            return parser.parse(authorization.substring(7).trim(), context);
        } catch (ParseException e) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "invalid or expired token");
        }
    }

    /** The userId ({@code sub}) of an {@code Authorization} header, or {@code UNAUTHORIZED}. */
    public String userOf(String authorization) {
        String userId = verify(authorization).getSubject();
        if (!Ids.isValid(userId)) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "the token's sub is not a valid userId");
        }
        return userId;
    }
}
