package im.media.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.smallrye.common.annotation.Blocking;

import im.edge.ServiceTokens;
import im.media.service.MediaService;
import im.protocol.Media;

/**
 * Lookups for the other services inside the cluster: the gateway checks owner and type of an upload before it sends a
 * media message and copies its URLs and facts into it ({@link Media#fill}). Not passed through the gateway: keep this
 * port off the public network.
 */
@RolesAllowed(ServiceTokens.ROLE)
@Path("/v1/internal/media")
public class InternalResource {

    private final MediaService service;

    InternalResource(MediaService service) {
        this.service = service;
    }

    /** An upload with {@code ownerId} and freshly signed URLs, or 404 {@code NOT_FOUND}. */
    @GET
    @Path("/{mediaId}")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Media media(@PathParam("mediaId") String mediaId) {
        return service.lookup(mediaId);
    }
}
