package im.protocol;

import java.nio.charset.StandardCharsets;

/** Checks user, group and room ids against the documented charset and length. */
public final class Ids {
    private static final boolean[] ALLOWED = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            ALLOWED[c] = true;
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            ALLOWED[c] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            ALLOWED[c] = true;
        }
        for (char c : "!#$%&()+-:;<=.>?@[]^_{}|~".toCharArray()) {
            ALLOWED[c] = true;
        }
    }

    private Ids() {
    }

    /** Whether {@code id} is 1..{@link Limits#ID_MAX_BYTES} characters of the id charset. */
    public static boolean isValid(String id) {
        if (id == null || id.isEmpty() || id.length() > Limits.ID_MAX_BYTES) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c >= 128 || !ALLOWED[c]) {
                return false;
            }
        }
        return true;
    }

    /** Returns {@code id} or refuses it with {@link ErrorCode#INVALID_REQUEST} naming {@code what}. */
    public static String requireId(String id, String what) {
        if (!isValid(id)) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                    what + " id must be 1-" + Limits.ID_MAX_BYTES + " characters of [A-Za-z0-9] and !#$%&()+-:;<=.>?@[]^_{}|~");
        }
        return id;
    }

    /** Checks a display name's length in UTF-8 bytes; null is allowed. */
    public static String requireName(String name) {
        if (name != null && name.getBytes(StandardCharsets.UTF_8).length > Limits.USER_NAME_MAX_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                    "userName must be at most " + Limits.USER_NAME_MAX_BYTES + " bytes");
        }
        return name;
    }
}
