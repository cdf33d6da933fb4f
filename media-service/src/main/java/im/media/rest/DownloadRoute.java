package im.media.rest;

import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import im.edge.BearerTokens;
import im.media.persistence.MediaEntity;
import im.media.service.ByteRange;
import im.media.service.FileNames;
import im.media.service.MediaService;
import im.media.service.UrlSigner;
import im.media.storage.BlobStore;
import im.media.storage.Keys;
import im.media.storage.Keys.Variant;
import im.protocol.ErrorCode;
import im.protocol.MessageType;
import im.protocol.ProtocolException;

/**
 * {@code GET}/{@code HEAD /v1/media/{mediaId}[/thumbnail|/large]?exp=&sig=}: downloads through signed, expiring URLs
 * only, with single byte ranges, ETags and {@code If-None-Match}. On the Vert.x router so the fs back end can use
 * {@code sendFile} (zero copy). Every parameter is checked before anything is looked up: a malformed id, {@code exp} or
 * {@code Range} is {@code INVALID_REQUEST}; a missing or tampered (whatever its shape) signature {@code FORBIDDEN}; an
 * authentic but expired one {@code FORBIDDEN} too, or with a user's bearer token a 302 to a fresh URL. A withdrawn upload
 * (its message was recalled) is {@code GONE} for every URL.
 */
@ApplicationScoped
public class DownloadRoute {

    /** {@code exp}: epoch seconds. */
    private static final Pattern EXP = Pattern.compile("\\d{1,18}");

    /** The path segment of {@link UrlResource}, which this route leaves to Quarkus REST. */
    private static final String URLS = "urls";

    /** Size, type and hash of the file of one variant. */
    private record Facts(long size, String mimeType, String sha256) {}

    private final Vertx vertx;
    private final MediaService service;
    private final UrlSigner signer;
    private final BlobStore store;
    private final BearerTokens tokens;

    DownloadRoute(Vertx vertx, MediaService service, UrlSigner signer, BlobStore store, BearerTokens tokens) {
        this.vertx = vertx;
        this.service = service;
        this.signer = signer;
        this.store = store;
        this.tokens = tokens;
    }

    void init(@Observes Router router) {
        for (HttpMethod method : new HttpMethod[]{HttpMethod.GET, HttpMethod.HEAD}) {
            router.route(method, "/v1/media/:mediaId").handler(ctx -> download(ctx, Variant.ORIGINAL));
            router.route(method, "/v1/media/:mediaId/:variant").handler(ctx -> {
                if (URLS.equals(ctx.pathParam("variant"))) {
                    ctx.next(); // UrlResource (Quarkus REST, smallrye-jwt)
                    return;
                }
                Variant variant = Variant.ofWire(ctx.pathParam("variant"));
                if (variant == null || variant == Variant.ORIGINAL) {
                    Responses.refuse(ctx, new ProtocolException(ErrorCode.NOT_FOUND, "no such file"));
                } else {
                    download(ctx, variant);
                }
            });
        }
    }

    private void download(RoutingContext ctx, Variant variant) {
        HttpServerRequest request = ctx.request();
        String mediaId;
        String exp;
        ByteRange.Spec range;
        try {
            mediaId = Params.path(ctx, "mediaId");
            if (!Keys.isMediaId(mediaId)) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "a mediaId is a lower-case UUID");
            }
            exp = Params.query(request, "exp");
            String sig = Params.query(request, "sig");
            if (exp == null || sig == null) {
                throw new ProtocolException(ErrorCode.FORBIDDEN, "downloads need the signed URL's exp and sig");
            }
            if (!EXP.matcher(exp).matches()) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "exp must be epoch seconds");
            }
            range = ByteRange.parse(request.getHeader("Range"));
            if (!signer.authentic(mediaId, variant, exp, sig)) {
                throw new ProtocolException(ErrorCode.FORBIDDEN, "the download URL is invalid");
            }
        } catch (ProtocolException e) {
            Responses.refuse(ctx, e);
            return;
        }
        if (Long.parseLong(exp) < System.currentTimeMillis() / 1000) {
            renew(ctx, mediaId, variant);
            return;
        }
        vertx.executeBlocking(() -> service.find(mediaId), false).onSuccess(row -> {
            Facts facts = row == null ? null : facts(row, variant);
            if (facts == null) {
                Responses.refuse(ctx, new ProtocolException(ErrorCode.NOT_FOUND, "no such media"));
                return;
            }
            if (row.withdrawnAt != null) {
                Responses.refuse(ctx, gone());
                return;
            }
            answer(ctx, row, variant, facts, range);
        }).onFailure(failure -> Responses.refuse(ctx, new ProtocolException(ErrorCode.UNAVAILABLE, null)));
    }

    /**
     * An authentic but expired URL: with a user's bearer token, 302 to the same file's fresh URL (the signature proves the
     * caller had the message, the token that a user is asking); without one {@code FORBIDDEN}, as before renewal existed.
     */
    private void renew(RoutingContext ctx, String mediaId, Variant variant) {
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization == null) {
            Responses.refuse(ctx, new ProtocolException(ErrorCode.FORBIDDEN, "the download URL has expired: send it again "
                    + "with Authorization: Bearer <token> to be redirected to a fresh one, or GET /v1/media/" + mediaId
                    + "/urls"));
            return;
        }
        vertx.executeBlocking(() -> {
            tokens.userOf(authorization);
            MediaEntity row = service.find(mediaId);
            if (row == null || facts(row, variant) == null) {
                throw new ProtocolException(ErrorCode.NOT_FOUND, "no such media");
            }
            if (row.withdrawnAt != null) {
                throw gone();
            }
            return signer.url(mediaId, variant, service.freshExp());
        }, false).onSuccess(url -> ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, url)
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end()).onFailure(failure -> Responses.refuse(ctx,
                        failure instanceof ProtocolException ? failure : new ProtocolException(ErrorCode.UNAVAILABLE, null)));
    }

    private static ProtocolException gone() {
        return new ProtocolException(ErrorCode.GONE, "the message that carried this file was recalled");
    }

    private static Facts facts(MediaEntity row, Variant variant) {
        return switch (variant) {
            case ORIGINAL -> new Facts(row.fileSize, row.mimeType, row.sha256);
            case THUMBNAIL -> row.thumbnailSha256 == null
                    ? null
                    : new Facts(row.thumbnailSize, row.thumbnailMime, row.thumbnailSha256);
            case LARGE -> row.largeSha256 == null ? null : new Facts(row.largeSize, row.largeMime, row.largeSha256);
        };
    }

    private void answer(RoutingContext ctx, MediaEntity row, Variant variant, Facts facts, ByteRange.Spec spec) {
        HttpServerRequest request = ctx.request();
        HttpServerResponse response = ctx.response();
        String etag = "\"" + facts.sha256() + "\"";
        boolean inline = !MessageType.FILE.wireName().equals(row.type);
        response.putHeader(HttpHeaders.ACCEPT_RANGES, "bytes").putHeader(HttpHeaders.ETAG, etag)
                .putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=3600")
                .putHeader("X-Content-Type-Options", "nosniff");
        if (matches(request.getHeader(HttpHeaders.IF_NONE_MATCH), etag)) {
            response.setStatusCode(304).end();
            return;
        }
        ByteRange range;
        try {
            range = spec == null ? null : spec.resolve(facts.size());
        } catch (ProtocolException e) {
            response.putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + facts.size());
            Responses.refuse(ctx, e);
            return;
        }
        long offset = range == null ? 0 : range.start();
        long length = range == null ? facts.size() : range.length();
        response.setStatusCode(range == null ? 200 : 206).putHeader(HttpHeaders.CONTENT_TYPE, facts.mimeType())
                .putHeader("Content-Disposition", FileNames.contentDisposition(inline, row.fileName))
                .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(length));
        if (range != null) {
            response.putHeader(HttpHeaders.CONTENT_RANGE, range.contentRange(facts.size()));
        }
        if (request.method() == HttpMethod.HEAD) {
            response.end();
            return;
        }
        store.send(vertx, response, Keys.of(row.mediaId, variant), offset, length).onFailure(failure -> {
            if (response.headWritten()) {
                // Vert.x marks the head written before it opens the file: nothing went out, and closing is all that is left
                response.reset();
                return;
            }
            // the file's head prepared above never went out: dropped, or the refusal would claim the file's length and a
            // keep-alive client would wait for bytes that never come
            response.headers().clear();
            // a file gone from the store is mostly an upload withdrawn since its row was read (the row is marked before the
            // files are deleted): answered as a download arriving after the withdrawal is
            vertx.executeBlocking(() -> service.find(row.mediaId), false).onComplete(found -> Responses.refuse(ctx,
                    found.succeeded() && found.result() != null && found.result().withdrawnAt != null
                            ? gone()
                            : new ProtocolException(ErrorCode.UNAVAILABLE, "the file cannot be read now")));
        });
    }

    private static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.strip();
            if (c.startsWith("W/")) {
                c = c.substring(2);
            }
            if (c.equals("*") || c.equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
