package im.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;

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
        return isValid(id, Limits.ID_MAX_BYTES);
    }

    /** Whether {@code id} is 1..{@code max} characters of the id charset. */
    public static boolean isValid(String id, int max) {
        if (id == null || id.isEmpty() || id.length() > max) {
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

    /** Checks a display name: text ({@link Text}) of at most {@link Limits#USER_NAME_MAX_BYTES} UTF-8 bytes; null is allowed. */
    public static String requireName(String name) {
        Text.require(name, "userName");
        if (name != null && name.getBytes(StandardCharsets.UTF_8).length > Limits.USER_NAME_MAX_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                    "userName must be at most " + Limits.USER_NAME_MAX_BYTES + " bytes");
        }
        return name;
    }

    /**
     * Each id of a list a request names (mentions, toUserIds, members): at most {@code max} of them, each valid; null is
     * allowed, a null element is not.
     */
    public static List<String> requireIds(List<String> ids, int max, String what) {
        if (ids == null) {
            return null;
        }
        if (ids.size() > max) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "at most " + max + " " + what + " ids");
        }
        for (String id : ids) {
            requireId(id, what);
        }
        return ids;
    }
}
