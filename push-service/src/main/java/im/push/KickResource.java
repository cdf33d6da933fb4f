package im.push;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.smallrye.mutiny.Uni;

import im.edge.BearerTokens;
import im.protocol.Ids;
import im.protocol.UserKick;

/**
 * {@code POST /v1/admin/users/{userId}/kick} (v1.1), admin token only: every session of the user, on every gateway
 * node, gets {@code closing: KICKED} and close code 4409, and the user is offline at once. Written to
 * {@code im.broadcast} as a {@link UserKick}, which every gateway node reads; answered once Kafka has it.
 */
@RolesAllowed("admin")
@Path("/v1/admin/users/{userId}/kick")
public class KickResource {

    /** The answer: who was kicked, and when. */
    public record KickResponse(String userId, long kickedAt) {}

    @Inject
    JsonWebToken jwt;

    @Inject
    BroadcastTopic topic;

    @POST
    public Uni<KickResponse> kick(@PathParam("userId") String userId) {
        Ids.requireId(userId, "user");
        long now = System.currentTimeMillis();
        UserKick kick = UserKick.of(userId, BearerTokens.userOf(jwt), now);
        return topic.write(kick, UserKick.EVENT).replaceWith(new KickResponse(userId, now));
    }
}
