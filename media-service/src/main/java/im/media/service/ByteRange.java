package im.media.service;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * One byte range of a download (RFC 9110 §14): {@code bytes=a-b}, {@code a-} and {@code -n}. Several ranges, other units
 * and malformed headers are ignored (the whole file, 200), as the RFC allows.
 *
 * @param start first byte
 * @param length number of bytes
 */
public record ByteRange(long start, long length) {

    /** The range {@code header} asks for in a file of {@code size} bytes; null for the whole file. */
    public static ByteRange parse(String header, long size) {
        if (header == null || !header.regionMatches(true, 0, "bytes=", 0, 6) || header.indexOf(',') >= 0) {
            return null;
        }
        String spec = header.substring(6).strip();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String first = spec.substring(0, dash).strip();
        String last = spec.substring(dash + 1).strip();
        try {
            if (first.isEmpty()) {
                long suffix = Long.parseLong(last);
                if (suffix <= 0 || size == 0) {
                    throw unsatisfiable();
                }
                long n = Math.min(suffix, size);
                return new ByteRange(size - n, n);
            }
            long start = Long.parseLong(first);
            long end = last.isEmpty() ? Long.MAX_VALUE : Long.parseLong(last);
            if (start < 0 || end < start) {
                return null;
            }
            if (start >= size) {
                throw unsatisfiable();
            }
            end = Math.min(end, size - 1);
            return new ByteRange(start, end - start + 1);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static ProtocolException unsatisfiable() {
        return new ProtocolException(ErrorCode.RANGE_NOT_SATISFIABLE, null);
    }

    /** The {@code Content-Range} of this range in a file of {@code size} bytes. */
    public String contentRange(long size) {
        return "bytes " + start + "-" + (start + length - 1) + "/" + size;
    }
}
