package im.media.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the media service. */
@ConfigMapping(prefix = "im.media")
public interface MediaConfig {

    /** Local directory of the service: uploads stream into {@code tmp/} here, and the fs back end keeps files in {@code store/}. */
    @WithDefault("${java.io.tmpdir}/im-media")
    Path storageDir();

    /** Where the files live. */
    Storage storage();

    /**
     * Secret of the download URL signatures (HMAC-SHA256), at least 32 bytes and not the token secret: whoever holds it
     * can open every file. Required in production ({@code IM_MEDIA_URL_SECRET}); dev, test and local profiles have a
     * fixed one. Changing it breaks every stored URL, old ones included (they can no longer be renewed).
     */
    String urlSecret();

    /** How long a signed download URL works. */
    @WithDefault("7d")
    Duration urlTtl();

    /** Base of the download URLs apps get: the gateway, which passes {@code /v1/media/**} through unchanged. */
    @WithDefault("http://localhost:8080")
    String publicUrl();

    /** Thumbnails, large versions and the decompression-bomb guard. */
    Images images();

    /** Longest wait for Kafka to acknowledge an upload's {@code im.media} record before the upload is refused. */
    @WithDefault("10s")
    Duration kafkaTimeout();

    /** Per-user upload limits and how refused uploads are closed. */
    Uploads uploads();

    /** Uploads in flight and their refusals. */
    interface Uploads {
        /** Uploads one user may have in flight at once; one more is refused {@code RATE_LIMITED} before its body is read. */
        @WithDefault("4")
        int maxConcurrentPerUser();

        /** Uploads one user may start per minute (a token bucket that allows this many at once); more are {@code RATE_LIMITED}. */
        @WithDefault("30")
        int perMinute();

        /**
         * How long the rest of a refused upload's body is read and dropped after the answer before the connection is closed
         * (closing with unread bytes resets the connection and the client may lose the answer); bounds what a client that
         * keeps sending can hold.
         */
        @WithDefault("2s")
        Duration refusalLinger();

        /** A body that sends nothing for this long is cut off (the gateway also enforces a minimum rate). */
        @WithDefault("30s")
        Duration idleTimeout();
    }

    /** Storage back end. */
    interface Storage {
        /** {@code fs} (files under {@code storage-dir/store}) or {@code s3} (an S3-compatible bucket). */
        @WithDefault("fs")
        String type();

        /** The S3 back end. */
        S3 s3();
    }

    /** An S3-compatible bucket (AWS, MinIO, Ceph, S3Proxy). */
    interface S3 {
        /** Endpoint override, e.g. {@code http://localhost:9000}; AWS's regional endpoint when absent. */
        Optional<String> endpoint();

        /** Region to sign requests for. */
        @WithDefault("us-east-1")
        String region();

        /** Bucket that holds every file. */
        @WithDefault("im-media")
        String bucket();

        /** Path-style addressing ({@code endpoint/bucket/key}), which most self-hosted servers need. */
        @WithDefault("true")
        boolean pathStyle();

        /** Static access key; the AWS default credential chain when absent. */
        Optional<String> accessKey();

        /** Static secret key, with {@code access-key}. */
        Optional<String> secretKey();

        /** Create the bucket at startup when it does not exist. */
        @WithDefault("false")
        boolean createBucket();
    }

    /** Image variants. */
    interface Images {
        /** Long side of thumbnails, pixels; never upscaled. */
        @WithDefault("200")
        int thumbnailSize();

        /** Long side of large versions, pixels; never upscaled. */
        @WithDefault("1080")
        int largeSize();

        /** Most pixels (width × height from the header) an image may declare; more is refused undecoded. */
        @WithDefault("100000000")
        long maxPixels();

        /** JPEG quality of the variants, 0–1. */
        @WithDefault("0.85")
        float jpegQuality();

        /**
         * Most heap decoding one image may need, estimated from its header (whole image at its raw bytes per pixel, full-width
         * row buffers, destination and scaled copies); more is refused undecoded with {@code MESSAGE_TOO_LARGE}.
         */
        @WithDefault("128M")
        MemorySize decodeMemoryMax();

        /** Heap all decodes in flight may need together: a decode waits for its share of it. */
        @WithDefault("256M")
        MemorySize decodeMemoryTotal();

        /** Longest wait of a decode for its share of {@code decode-memory-total}; then {@code UNAVAILABLE}. */
        @WithDefault("30s")
        Duration decodeWait();
    }
}
