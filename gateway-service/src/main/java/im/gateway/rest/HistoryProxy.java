package im.gateway.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import io.smallrye.mutiny.Uni;

import im.gateway.service.HistoryLookup;

/**
 * Apps use one base URL, the gateway's: history's API ({@code /v1/conversations…}, {@code /v1/search}) is passed through
 * to history-service unchanged, token included (history checks it itself), and history's status and body come back
 * unchanged; UNAVAILABLE when history cannot be reached (timeouts and the circuit breaker are {@link HistoryLookup}'s).
 */
@Path("/v1")
public class HistoryProxy {

    @Inject
    HistoryLookup history;

    @Context
    UriInfo uri;

    @HeaderParam("Authorization")
    String authorization;

    @GET
    @Path("/conversations")
    public Uni<Response> list() {
        return forward("GET", null);
    }

    @GET
    @Path("/conversations/{rest: .+}")
    public Uni<Response> get() {
        return forward("GET", null);
    }

    @POST
    @Path("/conversations/{rest: .+}")
    public Uni<Response> post(String body) {
        return forward("POST", body);
    }

    @DELETE
    @Path("/conversations/{rest: .+}")
    public Uni<Response> delete() {
        return forward("DELETE", null);
    }

    @GET
    @Path("/search")
    public Uni<Response> search() {
        return forward("GET", null);
    }

    private Uni<Response> forward(String method, String body) {
        // the path below /v1/ as it arrived, still encoded; the query decoded (the client encodes it again)
        String path = uri.getRequestUri().getRawPath().substring("/v1/".length());
        return history.forward(method, path, uri.getQueryParameters(), authorization, body);
    }
}
