package im.media.rest;

import org.jboss.logging.Logger;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import im.protocol.ApiError;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.ProtocolException;

/** Refusals of the Vert.x routes, in the same {@code {"error": {"code", "message"}}} shape as {@link im.edge.ErrorMappers}. */
final class Responses {
    private static final Logger LOG = Logger.getLogger(Responses.class);
    /** Longest time a refused upload's remaining bytes are read and dropped before the connection is closed. */
    static final long LINGER_MS = 10_000;

    private Responses() {
    }

    /**
     * Answers {@code failure} with its code's status; never a stack trace.
     *
     * @param closeConnection whether the request body may still be arriving: the connection is closed after the answer
     */
    static void refuse(RoutingContext ctx, Throwable failure, boolean closeConnection) {
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
        response.setStatusCode(refusal.code().httpStatus()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        if (closeConnection) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        String body = JsonCodec.encode(new ApiError.Body(refusal.toApiError()));
        response.end(body).onComplete(done -> {
            if (closeConnection) {
                lingerThenClose(ctx);
            }
        });
    }

    /**
     * Closes the connection once the client has stopped sending, or after {@link #LINGER_MS} at the latest. Closing while
     * body bytes are still arriving makes the kernel answer with a reset, and clients and proxies (the gateway) then lose
     * the answer they were about to read; reading and dropping the rest for a moment lets the 413 reach them.
     */
    private static void lingerThenClose(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (request.isEnded()) {
            request.connection().close();
            return;
        }
        long timer = ctx.vertx().setTimer(LINGER_MS, id -> request.connection().close());
        request.endHandler(v -> {
            ctx.vertx().cancelTimer(timer);
            request.connection().close();
        });
        request.resume();
    }
}
