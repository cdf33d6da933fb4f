package im.edge;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import im.protocol.ApiError;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/** Every refusal as {@code {"error": {"code", "message"}}} with the code's status; never a stack trace. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    public static Response answer(ErrorCode code, String message) {
        return Response.status(code.httpStatus()).entity(new ApiError.Body(ApiError.of(code, message))).build();
    }

    @ServerExceptionMapper
    public Response protocol(ProtocolException e) {
        return answer(e.code(), e.getMessage());
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
