package im.edge.moderation;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.smallrye.mutiny.Uni;

/**
 * The moderation hook as a typed REST client, built by {@link ModerationHook} with the configured URL (no config key of
 * its own: there is nothing to build when no hook is configured). An answer of 400 and above fails the call.
 */
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface HookClient {

    /** Asks whether {@code request} may be written. */
    @POST
    Uni<Verdict> review(HookRequest request);
}
