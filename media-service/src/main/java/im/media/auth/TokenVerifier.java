package im.media.auth;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import javax.crypto.spec.SecretKeySpec;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;

import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.ProtocolException;

/** Verifies the caller's HS256 token (smallrye-jwt, server secret {@code im.jwt.secret}) and answers its userId. */
@ApplicationScoped
public class TokenVerifier {

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

    /** The userId of an {@code Authorization: Bearer} header, or a refusal. */
    public String userOf(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "an Authorization: Bearer token is required");
        }
        try {
            String userId = parser.parse(authorization.substring(7).trim(), context).getSubject();
            if (!Ids.isValid(userId)) {
                throw new ProtocolException(ErrorCode.UNAUTHORIZED, "the token's sub is not a valid userId");
            }
            return userId;
        } catch (ParseException e) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "invalid or expired token");
        }
    }
}
