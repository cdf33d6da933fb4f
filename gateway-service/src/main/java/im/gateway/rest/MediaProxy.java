package im.gateway.rest;

import java.net.URI;

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
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;

import im.gateway.config.GatewayConfig;
import im.protocol.ApiError;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MessageType;
import im.protocol.ProtocolException;

/**
 * Apps use one base URL, the gateway's: uploads ({@code POST /v1/media}) and signed downloads
 * ({@code GET /v1/media/{id}…}) pass through to media-service unchanged, as streams in both directions, so a 100 MB upload
 * or download never sits in the gateway's heap and {@code Range}, {@code ETag} and the media service's refusals reach the
 * app as they are. media-service checks tokens and signatures itself.
 */
@ApplicationScoped
public class MediaProxy {
    /** Room for multipart boundaries, part headers and small form fields around the file (as media-service allows). */
    private static final long MULTIPART_OVERHEAD = 64 * 1024;

    @Inject
    GatewayConfig config;

    @Inject
    Vertx vertx;

    void route(@Observes Router router) {
        URI media = URI.create(config.mediaUrl());
        int port = media.getPort() > 0 ? media.getPort() : 80;
        HttpProxy proxy = HttpProxy
                .reverseProxy(vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000)
                        .setIdleTimeout((int) config.mediaIdleTimeout().toSeconds()).setMaxPoolSize(64)))
                .origin(port, media.getHost()).addInterceptor(new Unreachable());
        // before Quarkus REST, which would otherwise answer 404 for paths it does not know
        router.route("/v1/media").order(-10).handler(context -> {
            ProtocolException tooLarge = declaredTooLarge(context.request());
            if (tooLarge != null) {
                refuse(context, tooLarge);
            } else {
                proxy.handle(context.request());
            }
        });
        router.route("/v1/media/*").order(-10).handler(context -> proxy.handle(context.request()));
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
        MessageType type = null;
        for (MessageType candidate : MessageType.values()) {
            if (candidate.isMedia() && candidate.wireName().equals(request.getParam("type"))) {
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

    private static void refuse(RoutingContext context, ProtocolException refusal) {
        context.response().setStatusCode(refusal.code().httpStatus()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(Buffer.buffer(JsonCodec.encodeBytes(new ApiError.Body(refusal.toApiError()))));
    }

    /** media-service down or unreachable: the catalogued UNAVAILABLE instead of the proxy's bare 502. */
    private static final class Unreachable implements ProxyInterceptor {
        private static final Buffer BODY = Buffer.buffer(JsonCodec
                .encodeBytes(new ApiError.Body(ApiError.of(ErrorCode.UNAVAILABLE, "media is not reachable; retry"))));

        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
            return context.sendRequest().recover(failure -> Future.succeededFuture(context.request().release().response()
                    .setStatusCode(ErrorCode.UNAVAILABLE.httpStatus())
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").setBody(Body.body(BODY))));
        }
    }
}
