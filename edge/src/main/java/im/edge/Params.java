package im.edge;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;
import im.protocol.Text;

/**
 * Query and path parameters read as text and checked here, so a malformed value is a 400 {@code INVALID_REQUEST} naming
 * the parameter: JAX-RS answers 404 for a query parameter it cannot convert, and a NUL must never reach the database.
 */
public final class Params {

    private Params() {
    }

    /** An optional whole number; absent or empty is null. */
    public static Long optionalLong(String raw, String name) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, name + " must be a whole number");
        }
    }

    /** An optional whole number that fits an int; absent or empty is null. */
    public static Integer optionalInt(String raw, String name) {
        Long value = optionalLong(raw, name);
        if (value == null) {
            return null;
        }
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, name + " is out of range");
        }
        return value.intValue();
    }

    /** Optional text of at most {@code maxChars} characters, free of NUL and unpaired surrogates. */
    public static String text(String raw, String name, int maxChars) {
        if (raw == null) {
            return null;
        }
        Text.require(raw, name);
        if (raw.length() > maxChars) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, name + " is limited to " + maxChars + " characters");
        }
        return raw;
    }
}
