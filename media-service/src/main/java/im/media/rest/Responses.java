package im.media.rest;

import org.jboss.logging.Logger;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import im.protocol.ApiError;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.ProtocolException;

/** Refusals of the Vert.x routes, in the same {@code {"error": {"code", "message"}}} shape as {@link ErrorMappers}. */
final class Responses {
    private static final Logger LOG = Logger.getLogger(Responses.class);

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
                ctx.request().connection().close();
            }
        });
    }
}
