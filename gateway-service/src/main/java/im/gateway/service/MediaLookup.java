package im.gateway.service;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import im.gateway.config.GatewayConfig;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.Media;
import im.protocol.MessageContent;
import im.protocol.ProtocolException;

/**
 * A media message naming a {@code mediaId} is checked against the media service before it is sent: the upload exists,
 * belongs to the sender and was uploaded as the message's type; then its signed URLs and measured facts go into the
 * message, so recipients get working links and nobody can claim another user's upload or lie about a file's size.
 */
@ApplicationScoped
public class MediaLookup {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Inject
    GatewayConfig config;

    /** {@code content} filled from the upload it names, or a refusal ({@link ProtocolException}) as the future's failure. */
    public CompletableFuture<MessageContent> fill(String senderId, MessageContent content) {
        String mediaId = content.mediaId();
        HttpRequest lookup = HttpRequest.newBuilder(URI.create(config.mediaUrl() + "/v1/internal/media/"
                + URLEncoder.encode(mediaId, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(5)).build();
        return HTTP.sendAsync(lookup, HttpResponse.BodyHandlers.ofString()).handle((answer, failure) -> {
            if (failure != null || (answer.statusCode() != 200 && answer.statusCode() != 404)) {
                throw new ProtocolException(ErrorCode.UNAVAILABLE, "media is not reachable; retry");
            }
            if (answer.statusCode() == 404) {
                throw new ProtocolException(ErrorCode.NOT_FOUND, "no media " + mediaId);
            }
            Media media = JsonCodec.decode(answer.body(), Media.class);
            if (!senderId.equals(media.ownerId())) {
                throw new ProtocolException(ErrorCode.FORBIDDEN, "media " + mediaId + " was uploaded by another user");
            }
            if (media.type() != content.type()) {
                throw new ProtocolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "media " + mediaId + " was uploaded as "
                        + media.type().wireName() + ", not " + content.type().wireName());
            }
            return media.fill(content);
        });
    }
}
