package im.media.rest;

import java.time.Duration;

import org.jboss.logging.Logger;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

import im.protocol.ApiError;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.ProtocolException;

/** Refusals of the Vert.x routes, in the same {@code {"error": {"code", "message"}}} shape as {@link im.edge.ErrorMappers}. */
final class Responses {
    private static final Logger LOG = Logger.getLogger(Responses.class);
    /** RST_STREAM error code CANCEL (RFC 9113 §7). */
    private static final long HTTP2_CANCEL = 0x8;

    private Responses() {
    }

    /** Answers {@code failure} with its code's status on a connection that stays open; never a stack trace. */
    static void refuse(RoutingContext ctx, Throwable failure) {
        answer(ctx, failure, null);
    }

    /**
     * Answers {@code failure} at once, whatever part of the request body has arrived, then closes the connection: once the
     * client has stopped sending, or after {@code linger} at the latest. Closing while body bytes are still arriving makes
     * the kernel answer with a reset, and clients and proxies (the gateway) may then lose the answer they were about to
     * read; reading and dropping the rest for a bounded moment lets it reach them without letting a client that keeps
     * sending hold the connection.
     */
    static void refuseAndClose(RoutingContext ctx, Throwable failure, Duration linger) {
        answer(ctx, failure, linger);
    }

    private static void answer(RoutingContext ctx, Throwable failure, Duration linger) {
        ProtocolException refusal;
        if (failure instanceof ProtocolException p) {
            refusal = p;
        } else if (failure.getCause() instanceof ProtocolException p) {
            refusal = p;
        } else {
            LOG.error("unexpected failure", failure);
            refusal = new ProtocolException(ErrorCode.INTERNAL);
        }
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        if (response.headWritten()) {
            response.reset();
            return;
        }
        // the body is the error: a Content-Length set for something else would make the client wait for bytes never sent
        response.headers().remove(HttpHeaders.CONTENT_LENGTH);
        response.setStatusCode(refusal.code().httpStatus()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        boolean http2 = ctx.request().version() == HttpVersion.HTTP_2;
        if (linger != null && !http2) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        String body = JsonCodec.encode(new ApiError.Body(refusal.toApiError()));
        response.end(body).onComplete(done -> {
            if (linger != null) {
                lingerThenClose(ctx, linger);
            }
        });
    }

    /** On HTTP/2 only the request's stream ends (reset with CANCEL if still sending): the connection carries others. */
    private static void lingerThenClose(RoutingContext ctx, Duration linger) {
        HttpServerRequest request = ctx.request();
        boolean http2 = request.version() == HttpVersion.HTTP_2;
        if (request.isEnded()) {
            if (!http2) {
                request.connection().close();
            }
            return;
        }
        long timer = ctx.vertx().setTimer(Math.max(1, linger.toMillis()), id -> {
            if (http2) {
                request.response().reset(HTTP2_CANCEL);
            } else {
                request.connection().close();
            }
        });
        request.endHandler(v -> {
            ctx.vertx().cancelTimer(timer);
            if (!http2) {
                request.connection().close();
            }
        });
        request.exceptionHandler(e -> ctx.vertx().cancelTimer(timer));
        request.resume();
    }
}
