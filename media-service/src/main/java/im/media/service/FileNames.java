package im.media.service;

import java.nio.charset.StandardCharsets;

/**
 * The uploader's file name, made safe to show and to send back in {@code Content-Disposition}. It never names anything
 * on disk or in a bucket.
 */
public final class FileNames {
    /** Longest kept display name, in characters. */
    public static final int MAX_LENGTH = 255;
    private static final String ATTR_CHAR = "!#$&+-.^_`|~";

    private FileNames() {
    }

    /**
     * The last path segment (either separator), without control characters (NUL included), bidi overrides, byte-order marks
     * or unpaired UTF-16 surrogates, which PostgreSQL refuses or JDBC would silently turn into {@code ?}; {@code file} if
     * nothing is left.
     */
    public static String clean(String raw) {
        if (raw == null) {
            return "file";
        }
        int cut = Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\'));
        String name = raw.substring(cut + 1);
        StringBuilder out = new StringBuilder(name.length());
        name.codePoints()
                .filter(c -> !Character.isISOControl(c) && !isBidiControl(c) && c != 0xFEFF
                        && !(c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE))
                .forEach(out::appendCodePoint);
        String cleaned = out.toString().strip();
        if (cleaned.isEmpty() || cleaned.equals(".") || cleaned.equals("..")) {
            return "file";
        }
        if (cleaned.length() > MAX_LENGTH) {
            int end = MAX_LENGTH;
            if (Character.isHighSurrogate(cleaned.charAt(end - 1))) {
                end--;
            }
            cleaned = cleaned.substring(0, end);
        }
        return cleaned;
    }

    private static boolean isBidiControl(int c) {
        return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F;
    }

    /** {@code inline|attachment; filename="ascii"; filename*=UTF-8''percent-encoded} (RFC 6266 and 5987). */
    public static String contentDisposition(boolean inline, String name) {
        StringBuilder ascii = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '_');
        }
        StringBuilder encoded = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || ATTR_CHAR.indexOf(c) >= 0) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return (inline ? "inline" : "attachment") + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
    }
}
