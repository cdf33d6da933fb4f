package im.gateway.client;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.rest.client.annotation.RegisterClientHeaders;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import io.smallrye.mutiny.Uni;

import im.edge.ServiceTokens;
import im.protocol.StoredMessage;

/**
 * history-service's internal API ({@code /v1/internal}, kept off the public network) as a typed client: base URL
 * {@code quarkus.rest-client.history.url}, which defaults to {@code im.gateway.history-url}. Answers of 400 and above
 * fail as {@code WebApplicationException}s; timeouts, retries, the circuit breaker and the mapping to error codes are
 * {@code HistoryLookup}'s. Every call carries the gateway's service credential ({@link ServiceTokens}).
 */
@RegisterClientHeaders(ServiceTokens.class)
@RegisterRestClient(configKey = "history")
@Path("/v1/internal")
@Produces(MediaType.APPLICATION_JSON)
public interface HistoryClient {

    /** The message behind {@code messageId} or an alias of it; 404 when history has not stored it. */
    @GET
    @Path("/messages/{messageId}")
    Uni<StoredMessage> message(@PathParam("messageId") String messageId);

    /**
     * Like {@link #message(String)}, with the reactions {@code userId} gave the message (v1.1: a reaction's bounds are
     * checked against them).
     */
    @GET
    @Path("/messages/{messageId}")
    Uni<StoredMessage> message(@PathParam("messageId") String messageId, @QueryParam("userId") String userId);

    /** The first stored write of a (conversation, sender, clientMsgId) within the dedupe window; 404 when none. */
    @GET
    @Path("/sent")
    Uni<StoredMessage> sent(@QueryParam("conversationKey") String conversationKey, @QueryParam("senderId") String senderId,
            @QueryParam("clientMsgId") String clientMsgId);

    /** Claims a group id: 200 when it is {@code ownerId}'s, 409 when somebody else claimed it first. */
    @POST
    @Path("/groups/{groupId}/claim/{ownerId}")
    Uni<Void> claimGroup(@PathParam("groupId") String groupId, @PathParam("ownerId") String ownerId);
}
