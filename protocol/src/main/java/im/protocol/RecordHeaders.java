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

    /** On {@code im.dlq}: the topic the record was read from. */
    public static final String ORIGIN_TOPIC = "im-origin-topic";
    /** On {@code im.dlq}: its partition there (decimal). */
    public static final String ORIGIN_PARTITION = "im-origin-partition";
    /** On {@code im.dlq}: its offset there (decimal). */
    public static final String ORIGIN_OFFSET = "im-origin-offset";
    /** On {@code im.dlq}: which consumer refused it (service and consumer name). */
    public static final String DEAD_LETTERED_BY = "im-dead-lettered-by";

    private RecordHeaders() {
    }
}
