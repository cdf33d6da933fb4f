package im.media.storage;

import java.util.regex.Pattern;

/**
 * Storage keys of an upload's files: {@code ab/cd/<mediaId>/<variant>}, fanned out by the id's last (random) hex digits so
 * no directory or key prefix grows without bound. Only server-made ids pass {@link #isMediaId}.
 */
public final class Keys {
    private static final Pattern MEDIA_ID = Pattern
            .compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /** An upload's files. */
    public enum Variant {
        ORIGINAL("original"),
        THUMBNAIL("thumbnail"),
        LARGE("large");

        private final String wireName;

        Variant(String wireName) {
            this.wireName = wireName;
        }

        /** The name in keys, URLs and signatures. */
        public String wireName() {
            return wireName;
        }

        /** The variant named in a download path, or null. */
        public static Variant ofWire(String name) {
            for (Variant v : values()) {
                if (v.wireName.equals(name)) {
                    return v;
                }
            }
            return null;
        }
    }

    private Keys() {
    }

    /** Whether {@code id} has the shape of an id this service makes (lower-case UUID): nothing else reaches storage. */
    public static boolean isMediaId(String id) {
        return id != null && MEDIA_ID.matcher(id).matches();
    }

    /** The key of one file of an upload. */
    public static String of(String mediaId, Variant variant) {
        if (!isMediaId(mediaId)) {
            throw new IllegalArgumentException("not a media id");
        }
        int n = mediaId.length();
        return mediaId.substring(n - 4, n - 2) + "/" + mediaId.substring(n - 2) + "/" + mediaId + "/" + variant.wireName();
    }
}
