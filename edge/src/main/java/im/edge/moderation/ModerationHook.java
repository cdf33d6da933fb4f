package im.edge.moderation;

import java.net.URI;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.jboss.logging.Logger;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * The call to the moderation hook with its fault tolerance declared: a timeout ({@code im.moderation.hook.timeout-ms},
 * bound to this method's {@code @Timeout} in service-edge's config) and a fallback that applies the fail-open or
 * fail-closed setting to a timeout, a refused connection or an answer of 400 and above. No retry: a send waits for it.
 */
@ApplicationScoped
public class ModerationHook {
    private static final Logger LOG = Logger.getLogger(ModerationHook.class);

    @Inject
    ModerationConfig config;

    private HookClient client;

    @PostConstruct
    void init() {
        config.hook().url().ifPresent(url -> client = QuarkusRestClientBuilder.newBuilder().baseUri(URI.create(url))
                .build(HookClient.class));
    }

    /** Whether a hook is configured. */
    public boolean enabled() {
        return client != null;
    }

    /** The hook's verdict on {@code request}, or the fail-open/fail-closed outcome when it cannot give one in time. */
    @Timeout(1000)
    @Fallback(fallbackMethod = "unanswered")
    public Uni<Verdict> review(HookRequest request) {
        return client.review(request).map(verdict -> verdict == null ? new Verdict(false, null) : verdict);
    }

    Uni<Verdict> unanswered(HookRequest request, Throwable failure) {
        LOG.warnf("the moderation hook did not answer (%s): %s", config.hook().failClosed() ? "fail-closed" : "fail-open",
                failure.toString());
        if (config.hook().failClosed()) {
            return Uni.createFrom().failure(new ProtocolException(ErrorCode.UNAVAILABLE,
                    "the content check is not reachable; retry"));
        }
        return Uni.createFrom().item(Verdict.ALLOW);
    }
}
