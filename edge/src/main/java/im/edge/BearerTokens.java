package im.edge;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.consumer.InvalidJwtException;

import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;

import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.ProtocolException;

/**
 * Tokens that do not come through smallrye-jwt's HTTP mechanism (a WebSocket query, a Vert.x route), verified with the
 * same {@link TokenContext}; and the caller's userId of any verified token.
 */
@ApplicationScoped
public class BearerTokens {

    @Inject
    JWTParser parser;

    /** A raw token, verified; missing, invalid ({@code UNAUTHORIZED}) or expired ({@code TOKEN_EXPIRED}) is refused. */
    public JsonWebToken verify(String token) {
        if (token == null || token.isBlank()) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "a token is required");
        }
        try {
            return parser.parse(token);
        } catch (ParseException e) {
            if (hasExpired(e)) {
                throw new ProtocolException(ErrorCode.TOKEN_EXPIRED);
            }
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "invalid token");
        }
    }

    /** The verified token of an {@code Authorization: Bearer} header. */
    public JsonWebToken verifyBearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "an Authorization: Bearer token is required");
        }
        return verify(authorization.substring(7).trim());
    }

    /** The userId ({@code sub}) of an {@code Authorization} header, or {@code UNAUTHORIZED}. */
    public String userOf(String authorization) {
        return userOf(verifyBearer(authorization));
    }

    /** The userId ({@code sub}) of a verified token, or {@code UNAUTHORIZED} when it is not a valid userId. */
    public static String userOf(JsonWebToken jwt) {
        String userId = jwt.getSubject();
        if (!Ids.isValid(userId)) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "the token's sub is not a valid userId");
        }
        return userId;
    }

    /** Whether a refusal of smallrye-jwt is for an expired token. */
    static boolean hasExpired(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidJwtException invalid && invalid.hasExpired()) {
                return true;
            }
        }
        return false;
    }
}
