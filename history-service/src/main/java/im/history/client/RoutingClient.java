package im.history.client;

import java.util.List;
import java.util.Set;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.rest.client.annotation.RegisterClientHeaders;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import im.edge.ServiceTokens;

/**
 * routing-service's presence lookup ({@code GET /v1/routing/presence/{userId}}) as a typed client: base URL
 * {@code quarkus.rest-client.routing.url}, which defaults to {@code im.history.routing-url}. Blocking: it is called from
 * history's REST resources, which run on worker threads. Timeouts, retries and the circuit breaker are
 * {@code RoomPresence}'s. Every call carries this service's credential ({@link ServiceTokens}).
 */
@RegisterClientHeaders(ServiceTokens.class)
@RegisterRestClient(configKey = "routing")
@Path("/v1/routing")
@Produces(MediaType.APPLICATION_JSON)
public interface RoutingClient {

    /**
     * The part of routing's answer history reads: on which gateway nodes a user is connected and which rooms they
     * entered there.
     *
     * @param userId the user asked about
     * @param nodes one entry per gateway node the user is connected to
     */
    record UserPresence(String userId, List<Node> nodes) {

        /**
         * The user on one gateway node.
         *
         * @param nodeId the node
         * @param rooms the rooms the user entered through it
         */
        public record Node(String nodeId, Set<String> rooms) {}
    }

    @GET
    @Path("/presence/{userId}")
    UserPresence presence(@PathParam("userId") String userId);
}
