package im.push;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;

import im.edge.BearerTokens;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Admin credentials: a token signed with the server secret whose {@code groups} claim holds {@code admin}. A valid user
 * token without the role is FORBIDDEN, anything else UNAUTHORIZED.
 */
@ApplicationScoped
public class AdminAuth {

    @Inject
    BearerTokens tokens;

    /** The admin's token, or a refusal. */
    public JsonWebToken requireAdmin(String authorization) {
        JsonWebToken jwt = tokens.verify(authorization);
        if (!jwt.getGroups().contains("admin")) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "broadcasts need an admin token, not a user token");
        }
        return jwt;
    }
}
