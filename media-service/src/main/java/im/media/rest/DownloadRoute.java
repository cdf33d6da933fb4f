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
 * {@code Range} is {@code INVALID_REQUEST}; a missing, tampered (whatever its shape) or expired signature
 * {@code FORBIDDEN}.
 */
@ApplicationScoped
public class DownloadRoute {

    /** {@code exp}: epoch seconds. */
    private static final Pattern EXP = Pattern.compile("\\d{1,18}");

    /** Size, type and hash of the file of one variant. */
    private record Facts(long size, String mimeType, String sha256) {}

    private final Vertx vertx;
    private final MediaService service;
    private final UrlSigner signer;
    private final BlobStore store;

    DownloadRoute(Vertx vertx, MediaService service, UrlSigner signer, BlobStore store) {
        this.vertx = vertx;
        this.service = service;
        this.signer = signer;
        this.store = store;
    }

    void init(@Observes Router router) {
        for (HttpMethod method : new HttpMethod[]{HttpMethod.GET, HttpMethod.HEAD}) {
            router.route(method, "/v1/media/:mediaId").handler(ctx -> download(ctx, Variant.ORIGINAL));
            router.route(method, "/v1/media/:mediaId/:variant").handler(ctx -> {
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
        ByteRange.Spec range;
        try {
            mediaId = Params.path(ctx, "mediaId");
            if (!Keys.isMediaId(mediaId)) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "a mediaId is a lower-case UUID");
            }
            String exp = Params.query(request, "exp");
            String sig = Params.query(request, "sig");
            if (exp == null || sig == null) {
                throw new ProtocolException(ErrorCode.FORBIDDEN, "downloads need the signed URL's exp and sig");
            }
            if (!EXP.matcher(exp).matches()) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "exp must be epoch seconds");
            }
            range = ByteRange.parse(request.getHeader("Range"));
            if (!signer.verify(mediaId, variant, exp, sig, System.currentTimeMillis() / 1000)) {
                throw new ProtocolException(ErrorCode.FORBIDDEN, "the download URL is invalid or expired");
            }
        } catch (ProtocolException e) {
            Responses.refuse(ctx, e);
            return;
        }
        vertx.executeBlocking(() -> service.find(mediaId), false).onSuccess(row -> {
            Facts facts = row == null ? null : facts(row, variant);
            if (facts == null) {
                Responses.refuse(ctx, new ProtocolException(ErrorCode.NOT_FOUND, "no such media"));
                return;
            }
            answer(ctx, row, variant, facts, range);
        }).onFailure(failure -> Responses.refuse(ctx, new ProtocolException(ErrorCode.UNAVAILABLE, null)));
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
            if (!response.headWritten()) {
                Responses.refuse(ctx, new ProtocolException(ErrorCode.UNAVAILABLE, "the file cannot be read now"));
            } else {
                response.reset();
            }
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
