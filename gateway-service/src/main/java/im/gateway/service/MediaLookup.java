package im.gateway.service;

import java.time.temporal.ChronoUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import io.smallrye.mutiny.Uni;

import im.gateway.client.MediaClient;
import im.protocol.ErrorCode;
import im.protocol.MessageContent;
import im.protocol.ProtocolException;

/**
 * A media message naming a {@code mediaId} is checked against the media service before it is sent: the upload exists,
 * belongs to the sender and was uploaded as the message's type; then its signed URLs and measured facts go into the
 * message, so recipients get working links and nobody can claim another user's upload or lie about a file's size. The
 * lookup (typed client {@link MediaClient}) has a timeout, two quick retries (a GET) and a circuit breaker, so a media
 * service that is down costs a send one failed call at most, not a timeout each.
 */
@ApplicationScoped
public class MediaLookup {

    @RestClient
    MediaClient media;

    /**
     * {@code content} filled from the upload it names, or a refusal ({@link ProtocolException}: NOT_FOUND, FORBIDDEN,
     * UNSUPPORTED_MEDIA_TYPE, or UNAVAILABLE when media-service cannot answer) as the failure.
     */
    @Timeout(value = 2, unit = ChronoUnit.SECONDS)
    @Retry(maxRetries = 2, delay = 100, jitter = 20, abortOn = {ProtocolException.class, CircuitBreakerOpenException.class})
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 5_000, skipOn = ProtocolException.class)
    @Fallback(fallbackMethod = "unavailable", skipOn = ProtocolException.class)
    public Uni<MessageContent> fill(String senderId, MessageContent content) {
        String mediaId = content.mediaId();
        return media.media(mediaId).onFailure(WebApplicationException.class).transform(failure -> {
            int status = ((WebApplicationException) failure).getResponse().getStatus();
            if (status == 404) {
                return new ProtocolException(ErrorCode.NOT_FOUND, "no media " + mediaId);
            }
            return status < 500
                    ? new ProtocolException(ErrorCode.UNAVAILABLE, "media refused the lookup (" + status + ")")
                    : failure;
        }).map(upload -> {
            if (!senderId.equals(upload.ownerId())) {
                throw new ProtocolException(ErrorCode.FORBIDDEN, "media " + mediaId + " was uploaded by another user");
            }
            if (upload.type() != content.type()) {
                throw new ProtocolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "media " + mediaId + " was uploaded as "
                        + upload.type().wireName() + ", not " + content.type().wireName());
            }
            return upload.fill(content);
        });
    }

    Uni<MessageContent> unavailable(String senderId, MessageContent content) {
        return Uni.createFrom().failure(new ProtocolException(ErrorCode.UNAVAILABLE, "media is not reachable; retry"));
    }
}
