package im.gateway.rest;

import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.opentelemetry.context.Scope;
import io.quarkus.security.Authenticated;

import im.gateway.auth.TokenVerifier;
import im.gateway.service.SendService;
import im.pipeline.Tracing;
import im.protocol.ErrorCode;
import im.protocol.RecordHeaders;
import im.protocol.SendRequest;

/** {@code POST /v1/messages}: the send op over HTTP, answered like an ack. */
@Authenticated
@Path("/v1/messages")
public class MessageResource {

    @Inject
    SendService sendService;

    @Inject
    TokenVerifier tokens;

    @Inject
    JsonWebToken jwt;

    @Inject
    Tracing tracing;

    /** The record continues the request's trace: its W3C {@code traceparent} header (or the SDK's server span). */
    @POST
    public CompletionStage<Response> send(SendRequest request, @HeaderParam(RecordHeaders.TRACEPARENT) String traceparent) {
        try (Scope scope = tracing.parent(traceparent).makeCurrent()) {
            return sendService.send(tokens.principal(jwt), request, null, null).thenApply(ack -> {
                int status = ack.isSuccess() ? 200 : ErrorCode.valueOf(ack.error().code()).httpStatus();
                // JSON whatever the request accepts: an ack, like the WebSocket's
                return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(ack).build();
            });
        }
    }
}
