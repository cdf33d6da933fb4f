package im.protocol;

/**
 * What every string of the contract must be: text that PostgreSQL, UTF-8 and every consumer accept. NUL (U+0000) is
 * refused by PostgreSQL's text columns (SQLState 22021) and an unpaired UTF-16 surrogate has no UTF-8 form (encoders
 * silently replace it), so both are refused wherever a string enters: frames, REST bodies and Kafka records alike (the
 * codec applies this to every string it reads, see {@link JsonCodec}).
 */
public final class Text {

    private Text() {
    }

    /** Why {@code value} is not acceptable text, or null when it is (null itself is acceptable). */
    public static String problem(CharSequence value) {
        if (value == null) {
            return null;
        }
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c == 0) {
                return "text must not contain NUL (U+0000)";
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                } else {
                    return "text must not contain an unpaired UTF-16 surrogate";
                }
            }
        }
        return null;
    }

    /** Whether {@code value} is acceptable text (null is). */
    public static boolean isValid(CharSequence value) {
        return problem(value) == null;
    }

    /** Returns {@code value} or refuses it with {@link ErrorCode#INVALID_REQUEST} naming {@code what}. */
    public static String require(String value, String what) {
        String problem = problem(value);
        if (problem != null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, what + ": " + problem);
        }
        return value;
    }
}
