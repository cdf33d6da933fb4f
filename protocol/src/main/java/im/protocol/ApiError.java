package im.protocol;

/**
 * An error as apps see it: {@code {"code","message"}}.
 *
 * @param code a stable {@link ErrorCode} name
 * @param message a human-readable explanation; never a stack trace
 */
public record ApiError(String code, String message) {

    public static ApiError of(ErrorCode code, String message) {
        return new ApiError(code.name(), message == null ? code.defaultMessage() : message);
    }

    /** The HTTP body of a refusal: {@code {"error": {...}}}. */
    public record Body(ApiError error) {}
}
