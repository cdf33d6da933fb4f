package im.protocol;

/**
 * One stored upload as the media service describes it: the answer of {@code POST /v1/media}, of the internal lookup
 * {@code GET /v1/internal/media/{mediaId}} that the gateway makes before it sends a media message, and the value of an
 * {@code im.media} record (schema {@code media.v1.json}, key = mediaId) that scanning and audit hooks consume.
 *
 * @param v schema version, always 1
 * @param mediaId server-made id of the upload (time-ordered UUID)
 * @param ownerId the user who uploaded it: only they may send it in a message
 * @param type what it was uploaded as: image, file, audio or video
 * @param fileName the uploader's file name, cleaned of paths and control characters, for display only
 * @param fileSize bytes of the original
 * @param mimeType the media type found in the content (magic bytes), never the declared one
 * @param sha256 hex SHA-256 of the original; also its ETag
 * @param width image width in pixels (images)
 * @param height image height in pixels (images)
 * @param duration playing time in whole seconds, rounded up (audio and video)
 * @param durationMs playing time in milliseconds (audio and video)
 * @param createdAt upload time, epoch milliseconds
 * @param fileDownloadUrl signed URL of the original (absent on Kafka records: URLs expire, records do not)
 * @param thumbnailDownloadUrl signed URL of the thumbnail (images)
 * @param largeImageDownloadUrl signed URL of the large version (images)
 * @param urlsExpireAt when the signed URLs stop working, epoch milliseconds
 */
public record Media(
        int v,
        String mediaId,
        String ownerId,
        MessageType type,
        String fileName,
        long fileSize,
        String mimeType,
        String sha256,
        Integer width,
        Integer height,
        Integer duration,
        Long durationMs,
        long createdAt,
        String fileDownloadUrl,
        String thumbnailDownloadUrl,
        String largeImageDownloadUrl,
        Long urlsExpireAt) {

    public static final int VERSION = 1;

    /** The same description without URLs: what goes on {@code im.media}. */
    public Media withoutUrls() {
        return new Media(v, mediaId, ownerId, type, fileName, fileSize, mimeType, sha256, width, height, duration, durationMs,
                createdAt, null, null, null, null);
    }

    /**
     * {@code content} (a media message naming this upload) with the upload's URLs and facts filled in. The sender's own
     * {@code fileName} is kept when given; everything the media service measured replaces what the sender claimed.
     */
    public MessageContent fill(MessageContent content) {
        MessageType t = content.type();
        return new MessageContent(t, content.text(), content.data(), mediaId, fileDownloadUrl, thumbnailDownloadUrl,
                largeImageDownloadUrl, content.videoFirstFrameDownloadUrl(),
                content.fileName() != null ? content.fileName() : fileName, fileSize, mimeType,
                t == MessageType.IMAGE ? width : null, t == MessageType.IMAGE ? height : null,
                t == MessageType.AUDIO ? duration : null, t == MessageType.VIDEO ? duration : null, null, null, null, null,
                null, null, null, null, null, null, null, null, content.extendedData());
    }
}
