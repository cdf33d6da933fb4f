package im.gateway.client;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Encoded;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.RestQuery;

import io.smallrye.mutiny.Uni;

/**
 * history-service's app API ({@code /v1/conversations…}, {@code /v1/search}) for the gateway's pass-through: any path
 * under {@code /v1}, its query, the caller's token; base URL {@code quarkus.rest-client.history-api.url}, which defaults
 * to {@code im.gateway.history-url}. Its default exception mapper is off ({@code disable-default-mapper}), so every
 * answer, 4xx and 5xx included, arrives as a {@link Response} to be passed on unchanged.
 */
@RegisterRestClient(configKey = "history-api")
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public interface HistoryApiClient {

    /** {@code GET /v1/{path}?{query}}; {@code path} is already encoded, as it arrived at the gateway. */
    @GET
    @Path("/{path}")
    Uni<Response> get(@PathParam("path") @Encoded String path, @RestQuery MultivaluedMap<String, String> query,
            @HeaderParam("Authorization") String authorization);

    /** {@code POST /v1/{path}?{query}} with a JSON body; {@code path} is already encoded. */
    @POST
    @Path("/{path}")
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> post(@PathParam("path") @Encoded String path, @RestQuery MultivaluedMap<String, String> query,
            @HeaderParam("Authorization") String authorization, String body);

    /** {@code DELETE /v1/{path}?{query}} (deletes for me); {@code path} is already encoded. */
    @DELETE
    @Path("/{path}")
    Uni<Response> delete(@PathParam("path") @Encoded String path, @RestQuery MultivaluedMap<String, String> query,
            @HeaderParam("Authorization") String authorization);
}
