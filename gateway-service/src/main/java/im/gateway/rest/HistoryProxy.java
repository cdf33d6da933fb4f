package im.gateway.rest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import im.edge.ErrorMappers;
import im.gateway.config.GatewayConfig;
import im.protocol.ErrorCode;

/**
 * Apps use one base URL, the gateway's: history's API ({@code /v1/conversations…}, {@code /v1/search}) is passed through
 * to history-service unchanged, token included (history checks it itself).
 */
@Path("/v1")
public class HistoryProxy {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Inject
    GatewayConfig config;

    @Context
    UriInfo uri;

    @HeaderParam("Authorization")
    String authorization;

    @GET
    @Path("/conversations")
    public CompletionStage<Response> list() {
        return forward("GET", null);
    }

    @GET
    @Path("/conversations/{rest: .+}")
    public CompletionStage<Response> get() {
        return forward("GET", null);
    }

    @POST
    @Path("/conversations/{rest: .+}")
    public CompletionStage<Response> post(String body) {
        return forward("POST", body);
    }

    @GET
    @Path("/search")
    public CompletionStage<Response> search() {
        return forward("GET", null);
    }

    private CompletionStage<Response> forward(String method, String body) {
        String target = config.historyUrl() + uri.getRequestUri().getRawPath()
                + (uri.getRequestUri().getRawQuery() == null ? "" : "?" + uri.getRequestUri().getRawQuery());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(answer -> Response.status(answer.statusCode()).entity(answer.body())
                        .type("application/json").build())
                .exceptionally(failure -> ErrorMappers.answer(ErrorCode.UNAVAILABLE, "history is not reachable; retry"));
    }
}
