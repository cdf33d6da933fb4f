package im.gateway.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Set;

import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.vertx.core.http.HttpServerRequest;

import im.gateway.config.GatewayConfig;
import im.gateway.config.JwtConfig;
import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.ProtocolException;

/**
 * {@code POST /v1/auth/token}: signs a token for any user. Local development only: in production the app's own backend
 * signs tokens with the shared secret, and this endpoint answers NOT_FOUND; where it is on, it answers only connections
 * from loopback.
 */
@Path("/v1/auth/token")
public class DevTokenResource {

    /** The request: who the token is for. */
    public record TokenRequest(String userId, String userName, Boolean admin) {}

    /** The answer: the token and when it expires (epoch milliseconds). */
    public record TokenResponse(String token, long expiresAt) {}

    @Inject
    GatewayConfig config;

    @Inject
    JwtConfig jwt;

    @Context
    HttpServerRequest http;

    @POST
    public TokenResponse issue(TokenRequest request) {
        if (!config.devTokens().enabled()) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "the dev token endpoint is off");
        }
        if (!isLoopback(http.remoteAddress() == null ? null : http.remoteAddress().hostAddress())) {
            // even where it is on, only a process on this machine may mint tokens: never the LAN
            throw new ProtocolException(ErrorCode.NOT_FOUND, "the dev token endpoint answers on loopback only");
        }
        if (request == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "body {\"userId\"} required");
        }
        Ids.requireId(request.userId(), "user");
        Ids.requireName(request.userName());
        Instant expiresAt = Instant.now().plus(config.devTokens().lifetime());
        var builder = Jwt.subject(request.userId()).issuedAt(Instant.now()).expiresAt(expiresAt);
        if (request.userName() != null) {
            builder.claim("name", request.userName());
        }
        if (Boolean.TRUE.equals(request.admin())) {
            builder.groups(Set.of("admin"));
        }
        return new TokenResponse(builder.jws().algorithm(SignatureAlgorithm.HS256).signWithSecret(jwt.secret()),
                expiresAt.toEpochMilli());
    }

    /** Whether {@code address} (an IP literal, as the connection reports it) is this machine's loopback. */
    static boolean isLoopback(String address) {
        if (address == null || address.isEmpty()) {
            return false;
        }
        try {
            // an IP literal is parsed, never looked up
            return address.chars().allMatch(c -> c == '.' || c == ':' || Character.digit(c, 16) >= 0)
                    && InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
