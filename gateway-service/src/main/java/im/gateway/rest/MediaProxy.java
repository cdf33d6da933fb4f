package im.gateway.rest;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;

import im.edge.InFlightLimit;
import im.gateway.auth.TokenVerifier;
import im.gateway.config.GatewayConfig;
import im.protocol.ApiError;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MessageType;
import im.protocol.ProtocolException;

/**
 * Apps use one base URL, the gateway's: uploads ({@code POST /v1/media}) and signed downloads
 * ({@code GET}/{@code HEAD /v1/media/{id}…}) pass through to media-service unchanged, as streams in both directions, so a
 * 100 MB upload or download never sits in the gateway's heap and {@code Range}, {@code ETag} and the media service's
 * refusals reach the app as they are.
 * <p>
 * Slow or hostile uploads cannot delay anybody's downloads: uploads and downloads use separate connection pools to
 * media-service; an upload is authenticated here before a connection is opened ({@code UNAUTHORIZED}); a user may have
 * {@code max-concurrent-uploads-per-user} in flight ({@code RATE_LIMITED}) and the node {@code max-concurrent-uploads},
 * its upload pool's size ({@code UNAVAILABLE} at once beyond, never a queue); a body slower than
 * {@code upload-min-bytes-per-second} over a window is cut off ({@link UploadRateWatch}). Every refusal is answered at
 * once; the rest of the body is dropped for at most {@code refusal-linger}, then the connection is closed. Downloads
 * carry no body and only {@code GET}/{@code HEAD} pass.
 */
@ApplicationScoped
public class MediaProxy {
    /** Room for multipart boundaries, part headers and small form fields around the file (as media-service allows). */
    private static final long MULTIPART_OVERHEAD = 64 * 1024;
    private static final String LINGERING = "im.media.lingering";
    /** RST_STREAM error code CANCEL (RFC 9113 §7). */
    private static final long HTTP2_CANCEL = 0x8;

    @Inject
    GatewayConfig config;

    @Inject
    Vertx vertx;

    @Inject
    TokenVerifier tokens;

    private final InFlightLimit uploadsPerUser = new InFlightLimit();
    private final AtomicInteger uploads = new AtomicInteger();

    void route(@Observes Router router) {
        URI media = URI.create(config.mediaUrl());
        int port = media.getPort() > 0 ? media.getPort() : 80;
        GatewayConfig.Media limits = config.media();
        int idleSeconds = (int) config.mediaIdleTimeout().toSeconds();
        HttpProxy downloads = HttpProxy
                .reverseProxy(vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000)
                        .setIdleTimeout(idleSeconds).setMaxPoolSize(limits.downloadConnections())))
                .origin(port, media.getHost()).addInterceptor(new Answering(null));
        HttpProxy uploadProxy = HttpProxy
                .reverseProxy(vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000)
                        .setIdleTimeout(idleSeconds).setMaxPoolSize(limits.maxConcurrentUploads())))
                .origin(port, media.getHost()).addInterceptor(new Answering(limits));
        // before Quarkus REST, which would otherwise answer 404 for paths it does not know
        router.route("/v1/media").order(-10).handler(context -> {
            if (context.request().method() == HttpMethod.POST) {
                upload(context, uploadProxy);
            } else {
                refuse(context, new ProtocolException(ErrorCode.NOT_FOUND, "POST /v1/media uploads; downloads are "
                        + "GET /v1/media/{mediaId}"), null);
            }
        });
        router.route("/v1/media/*").order(-10).handler(context -> download(context, downloads));
    }

    private void download(RoutingContext context, HttpProxy downloads) {
        HttpServerRequest request = context.request();
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            refuse(context, new ProtocolException(ErrorCode.NOT_FOUND, "downloads are GET or HEAD"), null);
        } else if (hasBody(request)) {
            refuse(context, new ProtocolException(ErrorCode.INVALID_REQUEST, "a download request carries no body"), null);
        } else {
            downloads.handle(request);
        }
    }

    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null || (length != null && !length.trim().equals("0"));
    }

    /** Authenticates and admits an upload from its headers alone, then passes it through; refusals never reach media. */
    private void upload(RoutingContext context, HttpProxy uploadProxy) {
        HttpServerRequest request = context.request();
        String userId;
        try {
            userId = tokens.verifyBearer(request.getHeader(HttpHeaders.AUTHORIZATION)).userId();
            ProtocolException tooLarge = declaredTooLarge(request);
            if (tooLarge != null) {
                throw tooLarge;
            }
        } catch (ProtocolException refusal) {
            refuse(context, refusal, null);
            return;
        }
        GatewayConfig.Media limits = config.media();
        InFlightLimit.Permit userPermit = uploadsPerUser.tryAcquire(userId, limits.maxConcurrentUploadsPerUser());
        if (userPermit == null) {
            refuse(context, new ProtocolException(ErrorCode.RATE_LIMITED, "at most " + limits.maxConcurrentUploadsPerUser()
                    + " uploads per user may be in flight at once"), null);
            return;
        }
        if (uploads.incrementAndGet() > limits.maxConcurrentUploads()) {
            uploads.decrementAndGet();
            userPermit.release();
            refuse(context, new ProtocolException(ErrorCode.UNAVAILABLE, "too many uploads in flight; retry"), "1");
            return;
        }
        AtomicBoolean released = new AtomicBoolean();
        // the answer is out or the client is gone: the places are free, and a body still arriving is dropped, then closed
        context.addEndHandler(ended -> {
            if (released.compareAndSet(false, true)) {
                uploads.decrementAndGet();
                userPermit.release();
            }
            if (!request.isEnded() && !ended.failed()) {
                lingerThenClose(context);
            }
        });
        uploadProxy.handle(request);
    }

    /** Uploads passing through this node now (for tests and metrics). */
    int uploadsInFlight() {
        return uploads.get();
    }

    /**
     * An upload whose declared length is beyond its type's limit (or the largest type's, when the type comes in the form)
     * is refused here before a byte is read: no bandwidth to media-service for it. Uploads without a length, or whose
     * type is in the form, are checked by media-service as they stream.
     */
    static ProtocolException declaredTooLarge(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (request.method() != HttpMethod.POST || length == null) {
            return null;
        }
        String typeParam;
        try {
            typeParam = request.getParam("type");
        } catch (IllegalArgumentException malformedQuery) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "the query string is malformed");
        }
        MessageType type = null;
        for (MessageType candidate : MessageType.values()) {
            if (candidate.isMedia() && candidate.wireName().equals(typeParam)) {
                type = candidate;
            }
        }
        long limit = type != null ? type.maxBytes() : MessageType.FILE.maxBytes();
        try {
            if (Long.parseLong(length.trim()) <= limit + MULTIPART_OVERHEAD) {
                return null;
            }
        } catch (NumberFormatException e) {
            return null; // media-service answers a malformed length
        }
        return new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                (type != null ? type.wireName() : "media") + " uploads may be at most " + limit + " bytes");
    }

    private static Buffer body(ProtocolException refusal) {
        return Buffer.buffer(JsonCodec.encodeBytes(new ApiError.Body(refusal.toApiError())));
    }

    /** Answers at once; a body still to come is dropped for at most {@code refusal-linger}, then the connection closes. */
    private void refuse(RoutingContext context, ProtocolException refusal, String retryAfter) {
        HttpServerResponse response = context.response();
        boolean bodyPending = !context.request().isEnded();
        response.setStatusCode(refusal.code().httpStatus()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        if (retryAfter != null) {
            response.putHeader(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        if (bodyPending && !isHttp2(context.request())) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        response.end(body(refusal)).onComplete(done -> {
            if (bodyPending) {
                lingerThenClose(context);
            }
        });
    }

    private static boolean isHttp2(HttpServerRequest request) {
        return request.version() == HttpVersion.HTTP_2;
    }

    /**
     * Reads and drops what the client still sends, then closes: when its body ends, or after {@code refusal-linger}.
     * Closing at once with unread bytes makes the kernel reset the connection and the client may lose the answer; waiting
     * longer would let a client that keeps sending hold the connection. On HTTP/2 only the request's stream ends (reset
     * with CANCEL if its body is still coming after the linger): the connection carries other requests.
     */
    private void lingerThenClose(RoutingContext context) {
        if (context.get(LINGERING) != null) {
            return;
        }
        context.put(LINGERING, Boolean.TRUE);
        HttpServerRequest request = context.request();
        boolean http2 = isHttp2(request);
        if (request.isEnded()) {
            if (!http2) {
                request.connection().close();
            }
            return;
        }
        Duration linger = config.media().refusalLinger();
        long timer = vertx.setTimer(Math.max(1, linger.toMillis()), id -> {
            if (http2) {
                request.response().reset(HTTP2_CANCEL);
            } else {
                request.connection().close();
            }
        });
        request.handler(chunk -> {
        });
        request.exceptionHandler(failure -> vertx.cancelTimer(timer));
        request.endHandler(v -> {
            vertx.cancelTimer(timer);
            if (!http2) {
                request.connection().close();
            }
        });
        request.resume();
    }

    /**
     * The proxy's own outcomes in the catalogue: media-service down or unreachable is {@code UNAVAILABLE} instead of a bare
     * 502; for uploads, the body is watched ({@link UploadRateWatch}) and one cut off for being too slow is answered with
     * its {@code INVALID_REQUEST}.
     */
    private final class Answering implements ProxyInterceptor {
        private final GatewayConfig.Media uploadLimits;

        Answering(GatewayConfig.Media uploadLimits) {
            this.uploadLimits = uploadLimits;
        }

        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
            ProxyRequest request = context.request();
            Body body = request.getBody();
            UploadRateWatch watch = null;
            if (uploadLimits != null && body != null) {
                watch = new UploadRateWatch(body.stream(), vertx, request.proxiedRequest().response(),
                        uploadLimits.uploadMinBytesPerSecond(), uploadLimits.uploadRateWindow().toMillis());
                request.setBody(Body.body(watch, body.length()));
            }
            UploadRateWatch watched = watch;
            return context.sendRequest().recover(failure -> {
                ProtocolException refusal = watched != null && watched.tripped() != null
                        ? watched.tripped()
                        : new ProtocolException(ErrorCode.UNAVAILABLE, "media is not reachable; retry");
                ProxyResponse answer = request.release().response().setStatusCode(refusal.code().httpStatus())
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").setBody(Body.body(body(refusal)));
                if (!request.proxiedRequest().isEnded() && !isHttp2(request.proxiedRequest())) {
                    answer.putHeader(HttpHeaders.CONNECTION, "close");
                }
                return Future.succeededFuture(answer);
            });
        }

        /**
         * Connection headers are hop-by-hop (RFC 9110 §7.6.1): media-service's {@code Connection: close} is about its
         * connection to the gateway. The gateway closes the app's connection itself when a body is still coming, and
         * HTTP/2 forbids the header altogether.
         */
        @Override
        public Future<Void> handleProxyResponse(ProxyContext context) {
            ProxyResponse response = context.response();
            response.headers().remove(HttpHeaders.CONNECTION).remove(HttpHeaders.KEEP_ALIVE);
            if (!context.request().proxiedRequest().isEnded() && !isHttp2(context.request().proxiedRequest())) {
                response.putHeader(HttpHeaders.CONNECTION, "close");
            }
            return context.sendResponse();
        }
    }
}
