package im.media.service;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * One byte range of a download (RFC 9110 §14): {@code bytes=a-b}, {@code a-} and {@code -n}. Other units are ignored (the
 * whole file, 200), as the RFC requires; so are several ranges, which the RFC allows. A {@code bytes} range that does not
 * parse is {@code INVALID_REQUEST}; one whose last position is before its first, or that lies outside the file, is
 * {@code RANGE_NOT_SATISFIABLE}.
 *
 * @param start first byte
 * @param length number of bytes
 */
public record ByteRange(long start, long length) {
    private static final Pattern SPEC = Pattern.compile("[ \t]*(\\d*)[ \t]*-[ \t]*(\\d*)[ \t]*");

    /**
     * A parsed {@code Range} header, before the file's size is known.
     *
     * @param first first position, or -1 for a suffix range
     * @param last last position, or -1 when open (for a suffix range: the suffix length)
     */
    public record Spec(long first, long last) {

        /** The range of a file of {@code size} bytes. */
        public ByteRange resolve(long size) {
            if (first < 0) {
                if (last <= 0 || size == 0) {
                    throw unsatisfiable();
                }
                long n = Math.min(last, size);
                return new ByteRange(size - n, n);
            }
            if (last >= 0 && last < first) {
                throw unsatisfiable();
            }
            if (first >= size) {
                throw unsatisfiable();
            }
            long end = last < 0 ? size - 1 : Math.min(last, size - 1);
            return new ByteRange(first, end - first + 1);
        }
    }

    /**
     * What {@code header} asks for: null for the whole file (no header, another unit, several ranges);
     * {@code INVALID_REQUEST} for a malformed {@code bytes} range.
     */
    public static Spec parse(String header) {
        if (header == null) {
            return null;
        }
        String value = header.strip();
        int eq = value.indexOf('=');
        if (eq < 0) {
            throw malformed();
        }
        if (!value.substring(0, eq).strip().equalsIgnoreCase("bytes")) {
            return null;
        }
        String set = value.substring(eq + 1);
        if (set.indexOf(',') >= 0) {
            for (String spec : set.split(",", -1)) {
                if (!spec.isBlank() && !SPEC.matcher(spec).matches()) {
                    throw malformed();
                }
            }
            return null;
        }
        Matcher m = SPEC.matcher(set);
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            throw malformed();
        }
        long first = m.group(1).isEmpty() ? -1 : number(m.group(1));
        long last = m.group(2).isEmpty() ? -1 : number(m.group(2));
        return new Spec(first, last);
    }

    /** The range {@code header} asks for in a file of {@code size} bytes; null for the whole file. */
    public static ByteRange parse(String header, long size) {
        Spec spec = parse(header);
        return spec == null ? null : spec.resolve(size);
    }

    /** Digits as a long, saturating: a position beyond any file is as unsatisfiable as a large one. */
    private static long number(String digits) {
        String trimmed = digits.replaceFirst("^0+(?=\\d)", "");
        return trimmed.length() > 18 ? Long.MAX_VALUE : Long.parseLong(trimmed);
    }

    private static ProtocolException malformed() {
        return new ProtocolException(ErrorCode.INVALID_REQUEST,
                "Range must be bytes=first-last, bytes=first- or bytes=-suffix");
    }

    private static ProtocolException unsatisfiable() {
        return new ProtocolException(ErrorCode.RANGE_NOT_SATISFIABLE, null);
    }

    /** The {@code Content-Range} of this range in a file of {@code size} bytes. */
    public String contentRange(long size) {
        return "bytes " + start + "-" + (start + length - 1) + "/" + size;
    }
}
