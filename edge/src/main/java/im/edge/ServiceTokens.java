package im.edge;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.rest.client.ext.ClientHeadersFactory;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;

/**
 * The credential services show each other on the internal APIs (history's and media's {@code /v1/internal}, routing's
 * {@code /v1/routing}): a short-lived token signed and verified like every other ({@link TokenContext}), {@code sub} the
 * calling service, {@code groups} {@value #ROLE}. Internal resources are {@code @RolesAllowed(ServiceTokens.ROLE)}: no
 * token is UNAUTHORIZED, a user's token (an admin's too) FORBIDDEN. Typed REST clients carry it with
 * {@code @RegisterClientHeaders(ServiceTokens.class)}; operators mint one with {@code ./im token <name> --service}.
 */
@ApplicationScoped
public class ServiceTokens implements ClientHeadersFactory {
    /** The role of a service credential. */
    public static final String ROLE = "internal";
    private static final Duration LIFETIME = Duration.ofMinutes(10);
    /** A token is replaced this long before it expires, so none is refused on the way. */
    private static final Duration RENEW_BEFORE = Duration.ofMinutes(2);

    @ConfigProperty(name = "im.jwt.secret")
    String secret;

    @ConfigProperty(name = "quarkus.application.name")
    String service;

    private volatile String current;
    private volatile long renewAt;

    /** {@code Bearer <token>} of this service, renewed before it expires. */
    public String authorization() {
        long now = System.currentTimeMillis();
        if (current == null || now >= renewAt) {
            synchronized (this) {
                if (current == null || now >= renewAt) {
                    Instant issued = Instant.now();
                    current = "Bearer " + Jwt.subject(service).groups(Set.of(ROLE)).issuedAt(issued)
                            .expiresAt(issued.plus(LIFETIME)).jws().algorithm(SignatureAlgorithm.HS256).signWithSecret(secret);
                    renewAt = now + LIFETIME.minus(RENEW_BEFORE).toMillis();
                }
            }
        }
        return current;
    }

    @Override
    public MultivaluedMap<String, String> update(MultivaluedMap<String, String> incoming,
            MultivaluedMap<String, String> outgoing) {
        MultivaluedMap<String, String> headers = new MultivaluedHashMap<>();
        headers.putSingle(HttpHeaders.AUTHORIZATION, authorization());
        return headers;
    }
}
