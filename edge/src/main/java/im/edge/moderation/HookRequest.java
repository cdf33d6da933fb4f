package im.edge.moderation;

import com.fasterxml.jackson.annotation.JsonInclude;

import im.protocol.ConversationRef;
import im.protocol.MessageContent;

/**
 * What the moderation hook is asked about: a message about to be sent, or an upload about to be stored.
 *
 * @param kind {@code message} or {@code upload}
 * @param userId the sender or uploader
 * @param to the conversation a message is sent to, as the sender names it (messages only)
 * @param message the message's content as it will be written (messages only)
 * @param upload what is known of the file (uploads only)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HookRequest(String kind, String userId, ConversationRef to, MessageContent message, Upload upload) {

    /**
     * An upload's metadata (the bytes are not sent).
     *
     * @param type image, file, audio or video
     * @param fileName the uploader's file name
     * @param fileSize bytes
     * @param mimeType the type sniffed from the content
     */
    public record Upload(String type, String fileName, long fileSize, String mimeType) {}

    /** A message about to be sent. */
    public static HookRequest message(String userId, ConversationRef to, MessageContent message) {
        return new HookRequest("message", userId, to, message, null);
    }

    /** An upload about to be stored. */
    public static HookRequest upload(String userId, Upload upload) {
        return new HookRequest("upload", userId, null, null, upload);
    }
}
