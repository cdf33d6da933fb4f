package im.history.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import im.edge.BearerTokens;
import im.edge.Params;
import im.history.service.HistoryQueries;

/** {@code GET /v1/search?q=}: PostgreSQL full-text search over text and searchedContent of the caller's conversations. */
@Path("/v1/search")
public class SearchResource {

    @Inject
    BearerTokens tokens;

    @Inject
    HistoryQueries queries;

    @HeaderParam("Authorization")
    String authorization;

    @GET
    public HistoryQueries.SearchResult search(@QueryParam("q") String q, @QueryParam("limit") String limit) {
        return queries.search(tokens.userOf(authorization), Params.text(q, "q", 200), Params.optionalInt(limit, "limit"));
    }
}
