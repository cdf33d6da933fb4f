package im.protocol;

/** Kafka header names of the contract. */
public final class RecordHeaders {
    /** The message type, so consumers can filter without parsing the value. */
    public static final String TYPE = "im-type";
    /** W3C trace context. */
    public static final String TRACEPARENT = "traceparent";
    /** On {@code im.dlq}: the {@link ErrorCode} of the failure. */
    public static final String ERROR = "im-error";
    /** On {@code im.dlq}: a human-readable detail. */
    public static final String ERROR_DETAIL = "im-error-detail";

    private RecordHeaders() {
    }
}
