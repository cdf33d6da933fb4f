package im.protocol;

/**
 * WebSocket close codes the server uses, each with the {@code closing} reason sent before it (when there is one). The
 * application codes are in the 4000-4999 range; the others are RFC 6455's.
 */
public enum CloseCode {
    /** The client logged out, or closed first. */
    NORMAL(1000, null),
    /** The gateway node is shutting down: reconnect (to another node). */
    SHUTDOWN(1001, ServerFrames.SHUTDOWN),
    /** A frame RFC 6455 forbids (reserved bits or opcode, a continuation of nothing): the client is broken. */
    PROTOCOL_ERROR(1002, null),
    /** A text frame that is not UTF-8. */
    INVALID_PAYLOAD(1007, null),
    /** A frame larger than 1 MiB: it is not read. */
    TOO_BIG(1009, null),
    /** The session cannot keep up with what it is sent. */
    SLOW_CONSUMER(4008, ServerFrames.SLOW_CONSUMER),
    /** The token is missing, invalid or expired. */
    UNAUTHORIZED(4401, ServerFrames.TOKEN_EXPIRED),
    /** An admin kicked the user, or a newer login took the session's place (v1.1). */
    KICKED(4409, ServerFrames.KICKED);

    private final int code;
    private final String reason;

    CloseCode(int code, String reason) {
        this.code = code;
        this.reason = reason;
    }

    /** The numeric close code. */
    public int code() {
        return code;
    }

    /** The {@code closing} frame's reason sent first, or null when none is sent. */
    public String reason() {
        return reason;
    }
}
