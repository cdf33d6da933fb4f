package im.gateway.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

import im.protocol.ApiError;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/** Every REST refusal as {@code {"error": {"code", "message"}}} with the code's status; never a stack trace. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    static Response answer(ErrorCode code, String message) {
        return Response.status(code.httpStatus()).entity(new ApiError.Body(ApiError.of(code, message))).build();
    }

    @ServerExceptionMapper
    public Response protocol(ProtocolException e) {
        return answer(e.code(), e.getMessage());
    }

    @ServerExceptionMapper({AuthenticationFailedException.class, UnauthorizedException.class})
    public Response unauthorized(RuntimeException e) {
        return answer(ErrorCode.UNAUTHORIZED, "a valid bearer token is required");
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return answer(ErrorCode.FORBIDDEN, "this needs another role");
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        ErrorCode code = switch (status) {
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 404, 405 -> ErrorCode.NOT_FOUND;
            case 413 -> ErrorCode.MESSAGE_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            default -> status >= 500 ? ErrorCode.INTERNAL : ErrorCode.INVALID_REQUEST;
        };
        return answer(code, code == ErrorCode.INVALID_REQUEST ? "malformed request body" : null);
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("unexpected failure", e);
        return answer(ErrorCode.INTERNAL, null);
    }
}
