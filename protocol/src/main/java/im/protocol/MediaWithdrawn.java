package im.protocol;

/**
 * The second kind of {@code im.media} record (schema {@code media.v1.json}, key = mediaId, {@code event} =
 * {@value #EVENT}): the message that carried an upload was recalled, so its files are withdrawn for good. History writes
 * it when it applies the recall; media-service answers every URL of the upload {@code GONE} from then on and never signs
 * one again. Consumers of {@code im.media} tell the kinds apart by {@code event}: an upload's record has none.
 *
 * @param v schema version, always 1
 * @param event always {@value #EVENT}
 * @param mediaId the upload whose files are withdrawn
 * @param messageId the recalled message that carried it
 * @param by who recalled it (the message's sender, who must be the upload's owner)
 * @param at when the recall was made, epoch milliseconds (the recall record's timestamp)
 */
public record MediaWithdrawn(int v, String event, String mediaId, String messageId, String by, long at) {
    public static final int VERSION = 1;
    /** The value of {@code event} on these records. */
    public static final String EVENT = "withdrawn";

    public static MediaWithdrawn of(String mediaId, String messageId, String by, long at) {
        return new MediaWithdrawn(VERSION, EVENT, mediaId, messageId, by, at);
    }
}
