package im.protocol;

/** A refusal with a catalogued code: thrown at the edge, turned into an {@code ack}, an error frame or an HTTP answer. */
public class ProtocolException extends RuntimeException {
    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String detail) {
        super(detail == null ? code.defaultMessage() : detail, null, false, false);
        this.code = code;
    }

    public ProtocolException(ErrorCode code) {
        this(code, null);
    }

    public ErrorCode code() {
        return code;
    }

    /** The wire form of this refusal. */
    public ApiError toApiError() {
        return new ApiError(code.name(), getMessage());
    }
}
