package im.gateway.auth;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;

import im.edge.BearerTokens;
import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.ProtocolException;

/**
 * A verified token as the gateway's {@link UserPrincipal}: verification is service-edge's ({@code TokenContext}, the
 * one setting of every service); this adds what the gateway needs of the claims (a valid {@code name}, the expiry, the
 * {@code admin} group). One place for the WebSocket, which takes tokens from a header or the query, and REST.
 */
@ApplicationScoped
public class TokenVerifier {

    @Inject
    BearerTokens tokens;

    /** Verifies a raw token; a missing, invalid or expired one is refused with its catalogued code. */
    public UserPrincipal verify(String token) {
        return principal(tokens.verify(token));
    }

    /** Verifies the token of an HTTP request's {@code Authorization: Bearer} header. */
    public UserPrincipal verifyBearer(String authorization) {
        return principal(tokens.verifyBearer(authorization));
    }

    /** The caller of a token smallrye-jwt has verified (an {@code @Authenticated} resource's injected token). */
    public UserPrincipal principal(JsonWebToken jwt) {
        String userId = BearerTokens.userOf(jwt);
        String name = jwt.getClaim("name");
        try {
            Ids.requireName(name);
        } catch (ProtocolException e) {
            // the token is what is wrong, not a request: 4401 on the WebSocket, 401 over REST (PROTOCOL.md)
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "the token's name is not a valid userName");
        }
        return new UserPrincipal(userId, name, jwt.getExpirationTime() * 1000, jwt.getGroups().contains("admin"));
    }
}
