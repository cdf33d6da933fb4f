package im.media.service;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.tika.config.TikaConfig;
import org.apache.tika.detect.Detector;
import org.apache.tika.exception.TikaException;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.XMPDM;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.parser.Parser;
import org.apache.tika.parser.mp3.Mp3Parser;
import org.apache.tika.parser.mp4.MP4Parser;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

import im.protocol.ErrorCode;
import im.protocol.MessageType;
import im.protocol.ProtocolException;

/**
 * What an upload really is, from its bytes (Apache Tika's magic-byte detection; the name and declared type are never
 * consulted), and how long audio and video play (Tika's MP3 and MP4/QuickTime parsers).
 */
@ApplicationScoped
public class ContentInspector {

    /** Media types each upload type accepts, as Tika names them. */
    static final Map<MessageType, Set<String>> ALLOWED = Map.of(
            MessageType.IMAGE, Set.of("image/jpeg", "image/png", "image/bmp", "image/x-ms-bmp", "image/tiff", "image/gif",
                    "image/webp"),
            MessageType.AUDIO, Set.of("audio/mpeg", "audio/mp4", "audio/x-m4a"),
            MessageType.VIDEO, Set.of("video/mp4", "video/quicktime"));

    private final Detector detector = TikaConfig.getDefaultConfig().getDetector();

    /** The media type found in the content, e.g. {@code image/png}; {@code application/octet-stream} when unknown. */
    public String detect(Path file) throws IOException {
        String detected;
        try (TikaInputStream in = TikaInputStream.get(file)) {
            detected = detector.detect(in, new Metadata()).getBaseType().toString();
        }
        return "video/quicktime".equals(detected) ? isoBrand(file) : detected;
    }

    /**
     * Tika's core magic knows MP4 only by the {@code mp41}/{@code mp42} brands and calls every other ISO base media file
     * QuickTime; the {@code ftyp} box's major brand tells them apart (phones and ffmpeg write {@code isom}).
     */
    static String isoBrand(Path file) throws IOException {
        byte[] head = new byte[12];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, 12) < 12 || !"ftyp".equals(new String(head, 4, 4, StandardCharsets.US_ASCII))) {
                return "video/quicktime";
            }
        }
        String brand = new String(head, 8, 4, StandardCharsets.US_ASCII);
        return switch (brand) {
            case "qt  " -> "video/quicktime";
            case "M4A ", "M4B " -> "audio/mp4";
            case "isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "MSNV", "dash" -> "video/mp4";
            default -> "video/quicktime";
        };
    }

    /** Refuses content that is not one of the formats {@code type} allows ({@code file} allows anything). */
    public void requireAllowed(MessageType type, String mimeType) {
        Set<String> allowed = ALLOWED.get(type);
        if (allowed != null && !allowed.contains(mimeType)) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "the content is " + mimeType + ", which is not an allowed " + type.wireName() + " format");
        }
    }

    /** Playing time in milliseconds of an MP3 or MP4/M4A/MOV file; refused as unsupported when it cannot be read. */
    public long durationMs(Path file, String mimeType) throws IOException {
        Parser parser = "audio/mpeg".equals(mimeType) ? new Mp3Parser() : new MP4Parser();
        Metadata metadata = new Metadata();
        try (TikaInputStream in = TikaInputStream.get(file)) {
            parser.parse(in, new DefaultHandler(), metadata, new ParseContext());
        } catch (SAXException | TikaException | RuntimeException e) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the " + mimeType + " content cannot be read");
        }
        String duration = metadata.get(XMPDM.DURATION);
        if (duration == null) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the " + mimeType + " content has no duration");
        }
        double seconds = Double.parseDouble(duration);
        if (seconds <= 0 || Double.isNaN(seconds)) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the " + mimeType + " content has no duration");
        }
        return Math.round(seconds * 1000);
    }
}
