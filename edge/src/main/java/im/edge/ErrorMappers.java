package im.edge;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

import im.protocol.ApiError;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Every refusal as {@code {"error": {"code", "message"}}} with the code's status; never a stack trace. Always JSON,
 * whatever the request's {@code Accept} says (else a refusal is written with the record's {@code toString}).
 */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    public static Response answer(ErrorCode code, String message) {
        return Response.status(code.httpStatus()).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError.Body(ApiError.of(code, message))).build();
    }

    @ServerExceptionMapper
    public Response protocol(ProtocolException e) {
        return answer(e.code(), e.getMessage());
    }

    /**
     * A body of the wrong shape ({@code true} for an object, {@code []} for a field's object, an unknown enum value):
     * Quarkus' own mapper would answer its own error format, or an empty 400.
     */
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        String reason = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        return answer(ErrorCode.INVALID_REQUEST, "malformed JSON: " + (reason.length() > 200
                ? reason.substring(0, 200)
                : reason));
    }

    /** A token smallrye-jwt refused (invalid, expired) behind {@code @Authenticated} or {@code @RolesAllowed}. */
    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e) {
        return BearerTokens.hasExpired(e)
                ? answer(ErrorCode.TOKEN_EXPIRED, ErrorCode.TOKEN_EXPIRED.defaultMessage())
                : answer(ErrorCode.UNAUTHORIZED, "invalid token");
    }

    /** No token where one is required. */
    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return answer(ErrorCode.UNAUTHORIZED, "an Authorization: Bearer token is required");
    }

    /** A valid token without the role the API needs ({@code admin}). */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return answer(ErrorCode.FORBIDDEN, "this needs an admin token, not a user token");
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        ErrorCode code = ErrorCode.fromHttpStatus(e.getResponse().getStatus());
        return answer(code, code == ErrorCode.INVALID_REQUEST ? "malformed request" : null);
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        if (e.getCause() instanceof ProtocolException p) {
            return protocol(p);
        }
        LOG.error("unexpected failure", e);
        return answer(ErrorCode.INTERNAL, null);
    }
}
