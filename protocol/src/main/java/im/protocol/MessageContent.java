package im.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What a message says: its {@code type} and that type's fields (PROTOCOL.md, message types). This is the {@code message}
 * object of a {@code send} frame and of a Kafka record; fields that do not belong to the type are null and left out of
 * the JSON.
 *
 * @param type the message type
 * @param text text of text, barrage and custom messages
 * @param data base64 payload of a command message
 * @param mediaId id of an upload in the media service
 * @param fileDownloadUrl download URL of the file (filled from {@code mediaId} or given for external files)
 * @param thumbnailDownloadUrl image thumbnail URL
 * @param largeImageDownloadUrl large image URL
 * @param videoFirstFrameDownloadUrl first frame of a video
 * @param fileName original file name, for display only
 * @param fileSize file size in bytes
 * @param mimeType the file's media type
 * @param width image width in pixels
 * @param height image height in pixels
 * @param audioDuration audio length in seconds
 * @param videoDuration video length in seconds
 * @param latitude location latitude
 * @param longitude location longitude
 * @param address location address
 * @param buildingName location building name
 * @param title combine title
 * @param summary combine summary
 * @param messages messages combined into one
 * @param subType custom message sub type, 0-200
 * @param searchedContent custom message text that search finds, at most 64 bytes
 * @param event tips event (server-generated)
 * @param operator tips operator (server-generated)
 * @param targets tips targets (server-generated)
 * @param extendedData free-form app data carried with the message
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MessageContent(
        MessageType type,
        String text,
        String data,
        String mediaId,
        String fileDownloadUrl,
        String thumbnailDownloadUrl,
        String largeImageDownloadUrl,
        String videoFirstFrameDownloadUrl,
        String fileName,
        Long fileSize,
        String mimeType,
        Integer width,
        Integer height,
        Integer audioDuration,
        Integer videoDuration,
        Double latitude,
        Double longitude,
        String address,
        String buildingName,
        String title,
        String summary,
        List<Message> messages,
        Integer subType,
        String searchedContent,
        String event,
        String operator,
        List<String> targets,
        String extendedData) {

    /** A text message. */
    public static MessageContent text(String text) {
        return new MessageContent(MessageType.TEXT, text, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** A barrage message (rooms only). */
    public static MessageContent barrage(String text) {
        return new MessageContent(MessageType.BARRAGE, text, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** An image, file, audio or video message naming an upload ({@code mediaId}) or a file held elsewhere (URL). */
    public static MessageContent media(MessageType type, String mediaId, String fileDownloadUrl) {
        return new MessageContent(type, null, null, mediaId, fileDownloadUrl, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * A server-generated tips message: {@code event} happened, done by {@code operator}, concerning {@code targets}. In a
     * group conversation routing delivers it to the group's members and to its targets ({@link GroupEvent}).
     */
    public static MessageContent tips(String event, String operator, List<String> targets) {
        return new MessageContent(MessageType.TIPS, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, event, operator,
                targets == null ? null : List.copyOf(targets), null);
    }

    /** A command (signaling) message with a base64 payload. */
    public static MessageContent command(String base64Data) {
        return new MessageContent(MessageType.COMMAND, null, base64Data, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }
}
