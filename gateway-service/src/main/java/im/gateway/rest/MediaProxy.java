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
import io.vertx.ext.web.Router;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;

import im.gateway.config.GatewayConfig;
import im.protocol.ApiError;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;

/**
 * Apps use one base URL, the gateway's: uploads ({@code POST /v1/media}) and signed downloads
 * ({@code GET /v1/media/{id}…}) pass through to media-service unchanged, as streams in both directions, so a 100 MB upload
 * or download never sits in the gateway's heap and {@code Range}, {@code ETag} and the media service's refusals reach the
 * app as they are. media-service checks tokens and signatures itself.
 */
@ApplicationScoped
public class MediaProxy {

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
        router.route("/v1/media").order(-10).handler(context -> proxy.handle(context.request()));
        router.route("/v1/media/*").order(-10).handler(context -> proxy.handle(context.request()));
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
