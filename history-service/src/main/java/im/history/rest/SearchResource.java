package im.history.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.Authenticated;

import im.edge.BearerTokens;
import im.edge.Params;
import im.history.service.HistoryQueries;

/** {@code GET /v1/search?q=}: PostgreSQL full-text search over text and searchedContent of the caller's conversations. */
@Authenticated
@Path("/v1/search")
public class SearchResource {

    @Inject
    HistoryQueries queries;

    @Inject
    JsonWebToken jwt;

    @GET
    public HistoryQueries.SearchResult search(@QueryParam("q") String q, @QueryParam("limit") String limit) {
        return queries.search(BearerTokens.userOf(jwt), Params.text(q, "q", 200), Params.optionalInt(limit, "limit"));
    }
}
