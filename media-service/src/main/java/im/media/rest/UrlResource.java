package im.media.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;

import im.edge.BearerTokens;
import im.media.service.UrlRenewal;
import im.media.storage.Keys.Variant;
import im.protocol.Media;

/**
 * {@code GET /v1/media/{mediaId}/urls?variant=&exp=&sig=}: fresh signed URLs for an app holding an expired one (a
 * message read from history after {@code url-ttl}), with the user's bearer token. A GET with no body, so the gateway
 * passes it through like a download. See {@link UrlRenewal} for what proves access.
 */
@Authenticated
@Path("/v1/media/{mediaId}/urls")
public class UrlResource {

    @Inject
    JsonWebToken jwt;

    @Inject
    UrlRenewal renewal;

    /**
     * The upload with every URL signed anew ({@code fileDownloadUrl}, and for images {@code thumbnailDownloadUrl},
     * {@code largeImageDownloadUrl}) and {@code urlsExpireAt}; {@code exp} and {@code sig} come from any URL of the file,
     * {@code variant} names which (default {@code original}); the owner may leave them out.
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response urls(@PathParam("mediaId") String mediaId, @QueryParam("variant") String variant,
            @QueryParam("exp") String exp, @QueryParam("sig") String sig) {
        Variant named = variant == null ? Variant.ORIGINAL : Variant.ofWire(variant);
        Media media = renewal.renew(new UrlRenewal.Proof(mediaId, named, exp, sig, BearerTokens.userOf(jwt)));
        return Response.ok(media).header("Cache-Control", "no-store").build();
    }
}
