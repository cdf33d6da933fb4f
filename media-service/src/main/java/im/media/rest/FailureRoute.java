package im.media.rest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.ext.web.Router;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Failures the router meets before or outside the routes (a path or query whose percent-escapes do not decode, an
 * unexpected exception) answered with a catalogued code in the usual JSON shape instead of an empty or HTML page.
 */
@ApplicationScoped
public class FailureRoute {

    void init(@Observes Router router) {
        // the router fails a request whose path or query does not decode while it matches routes, before any handler
        router.errorHandler(400, ctx -> Responses.refuse(ctx,
                new ProtocolException(ErrorCode.INVALID_REQUEST, "the request URI is malformed")));
        router.route("/v1/*").order(Integer.MIN_VALUE).failureHandler(ctx -> {
            Throwable failure = ctx.failure();
            if (failure instanceof ProtocolException || (failure != null && failure.getCause() instanceof ProtocolException)) {
                Responses.refuse(ctx, failure);
                return;
            }
            if (failure instanceof IllegalArgumentException) {
                Responses.refuse(ctx, new ProtocolException(ErrorCode.INVALID_REQUEST, "the request URI is malformed"));
                return;
            }
            int status = ctx.statusCode();
            if (failure == null && status > 0 && status < 500) {
                ErrorCode code = ErrorCode.fromHttpStatus(status);
                Responses.refuse(ctx, new ProtocolException(code,
                        code == ErrorCode.INVALID_REQUEST ? "the request is malformed" : null));
                return;
            }
            Responses.refuse(ctx, failure != null ? failure : new ProtocolException(ErrorCode.INTERNAL));
        });
    }
}
