package im.gateway.client;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.rest.client.annotation.RegisterClientHeaders;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import io.smallrye.mutiny.Uni;

import im.edge.ServiceTokens;
import im.protocol.Media;

/**
 * media-service's internal lookup ({@code GET /v1/internal/media/{mediaId}}) as a typed client: base URL
 * {@code quarkus.rest-client.media.url}, which defaults to {@code im.gateway.media-url}. Answers of 400 and above fail as
 * {@code WebApplicationException}s; timeouts, retries, the circuit breaker and the error codes are {@code MediaLookup}'s.
 * Every call carries the gateway's service credential ({@link ServiceTokens}).
 */
@RegisterClientHeaders(ServiceTokens.class)
@RegisterRestClient(configKey = "media")
@Path("/v1/internal/media")
@Produces(MediaType.APPLICATION_JSON)
public interface MediaClient {

    /** The upload behind {@code mediaId}; 404 when there is none. */
    @GET
    @Path("/{mediaId}")
    Uni<Media> media(@PathParam("mediaId") String mediaId);
}
