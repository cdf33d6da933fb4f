package im.protocol;

/**
 * The one catalogue of refusal codes (PROTOCOL.md). Codes are stable strings that apps switch on; the HTTP status is what
 * REST answers carry for the same refusal.
 */
public enum ErrorCode {
    INVALID_REQUEST(400, "The request is malformed or breaks a documented limit."),
    UNAUTHORIZED(401, "A valid token is required."),
    TOKEN_EXPIRED(401, "The token has expired."),
    FORBIDDEN(403, "The caller may not do this."),
    SEND_TO_SELF(400, "A message cannot be sent to oneself."),
    MESSAGE_TOO_LARGE(413, "The message is larger than its type allows."),
    RATE_LIMITED(429, "Too many messages; slow down."),
    NOT_A_MEMBER(403, "The sender is not a member of this conversation."),
    NOT_FOUND(404, "No such resource."),
    ALREADY_EXISTS(409, "The resource exists already."),
    REVOKE_WINDOW_PASSED(403, "The message can no longer be revoked."),
    EDIT_WINDOW_PASSED(403, "The message can no longer be edited."),
    REACTION_LIMIT_REACHED(409, "The message has as many reactions as it may hold, or the user has given as many as allowed."),
    GONE(410, "The resource was withdrawn (its message was recalled) and will not come back."),
    UNSUPPORTED_MEDIA_TYPE(415, "The content type is not supported."),
    RANGE_NOT_SATISFIABLE(416, "The requested byte range lies outside the file."),
    CONTENT_REJECTED(422, "The content check refused the message or upload (Easemob's \"content improper\")."),
    UNAVAILABLE(503, "The service cannot take the request right now; retry."),
    INTERNAL(500, "Internal error.");

    private final int httpStatus;
    private final String defaultMessage;

    ErrorCode(int httpStatus, String defaultMessage) {
        this.httpStatus = httpStatus;
        this.defaultMessage = defaultMessage;
    }

    /** The HTTP status a REST answer with this code carries. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The code for an HTTP status that a framework produced before our code ran (unknown route, unreadable body). */
    public static ErrorCode fromHttpStatus(int status) {
        return switch (status) {
            case 401 -> UNAUTHORIZED;
            case 403 -> FORBIDDEN;
            case 404, 405 -> NOT_FOUND;
            case 409 -> ALREADY_EXISTS;
            case 410 -> GONE;
            case 413 -> MESSAGE_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 416 -> RANGE_NOT_SATISFIABLE;
            case 422 -> CONTENT_REJECTED;
            case 429 -> RATE_LIMITED;
            case 503 -> UNAVAILABLE;
            default -> status >= 500 ? INTERNAL : INVALID_REQUEST;
        };
    }

    /** A human-readable default explanation, used when no detail is given. */
    public String defaultMessage() {
        return defaultMessage;
    }
}
