package im.media.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;

import im.edge.moderation.ContentCheck;
import im.edge.moderation.HookRequest;
import im.media.config.MediaConfig;
import im.media.messaging.MediaEvents;
import im.media.persistence.MediaEntity;
import im.media.persistence.MediaRepository;
import im.media.storage.BlobStore;
import im.media.storage.Keys;
import im.media.storage.Keys.Variant;
import im.media.storage.Stores;
import im.protocol.ErrorCode;
import im.protocol.Limits;
import im.protocol.Media;
import im.protocol.MessageIds;
import im.protocol.MessageType;
import im.protocol.ProtocolException;

/**
 * Turns a streamed upload into a stored one: checks size, format, pixels and duration, makes image variants, hashes,
 * stores the files, records the row and the {@code im.media} event, and answers signed URLs. Blocking: runs on worker
 * threads. Whatever fails, no temporary file and no half-stored upload stays behind.
 */
@ApplicationScoped
public class MediaService {
    private static final Logger LOG = Logger.getLogger(MediaService.class);

    private final MediaConfig config;
    private final ContentInspector inspector;
    private final ImageVariants images;
    private final BlobStore store;
    private final Stores stores;
    private final MediaRepository repository;
    private final MediaEvents events;
    private final UrlSigner signer;
    private final MeterRegistry meters;
    private final ContentCheck contentCheck;

    MediaService(MediaConfig config, ContentInspector inspector, ImageVariants images, BlobStore store, Stores stores,
            MediaRepository repository, MediaEvents events, UrlSigner signer, MeterRegistry meters,
            ContentCheck contentCheck) {
        this.config = config;
        this.inspector = inspector;
        this.images = images;
        this.store = store;
        this.stores = stores;
        this.repository = repository;
        this.events = events;
        this.signer = signer;
        this.meters = meters;
        this.contentCheck = contentCheck;
    }

    /**
     * Stores an upload that has streamed completely into {@code temp}, which is deleted whatever happens.
     *
     * @param temp the uploaded bytes
     * @param size their count
     * @param type what the uploader says it is
     * @param rawFileName the uploader's file name, for display only
     * @param ownerId the authenticated uploader
     */
    public Media ingest(Path temp, long size, MessageType type, String rawFileName, String ownerId) {
        List<Path> scratch = new ArrayList<>(List.of(temp));
        List<String> stored = new ArrayList<>();
        String outcome = ErrorCode.INTERNAL.name();
        try {
            if (size > type.maxBytes()) {
                throw tooLarge(type);
            }
            if (size == 0) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "the file is empty");
            }
            String mimeType = inspector.detect(temp);
            inspector.requireAllowed(type, mimeType);
            if (contentCheck.hasHook()) {
                // the hook judges the upload's metadata (not its bytes) before anything is stored; its @Timeout bounds this
                contentCheck.review(HookRequest.upload(ownerId,
                        new HookRequest.Upload(type.wireName(), FileNames.clean(rawFileName), size, mimeType)))
                        .await().indefinitely();
            }
            ImageVariants.Result image = null;
            Long durationMs = null;
            if (type == MessageType.IMAGE) {
                image = images.process(temp, stores.tempDir());
                scratch.add(image.thumbnail());
                scratch.add(image.large());
            } else if (type == MessageType.AUDIO || type == MessageType.VIDEO) {
                durationMs = inspector.durationMs(temp, mimeType);
                if (type == MessageType.AUDIO && durationMs > Limits.AUDIO_MAX_SECONDS * 1000L) {
                    throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                            "audio may play at most " + Limits.AUDIO_MAX_SECONDS + " s");
                }
            }
            long now = System.currentTimeMillis();
            MediaEntity row = new MediaEntity();
            row.mediaId = MessageIds.next(now);
            row.ownerId = ownerId;
            row.type = type.wireName();
            row.fileName = FileNames.clean(rawFileName);
            row.fileSize = size;
            row.mimeType = mimeType;
            row.sha256 = Hashes.sha256(temp);
            row.durationMs = durationMs;
            row.createdAt = now;
            if (image != null) {
                row.width = image.width();
                row.height = image.height();
                row.thumbnailSize = Files.size(image.thumbnail());
                row.thumbnailSha256 = Hashes.sha256(image.thumbnail());
                row.thumbnailMime = image.mimeType();
                row.largeSize = Files.size(image.large());
                row.largeSha256 = Hashes.sha256(image.large());
                row.largeMime = image.mimeType();
                put(row.mediaId, Variant.THUMBNAIL, image.thumbnail(), image.mimeType(), stored);
                put(row.mediaId, Variant.LARGE, image.large(), image.mimeType(), stored);
            }
            put(row.mediaId, Variant.ORIGINAL, temp, mimeType, stored);
            repository.insert(row);
            Media media = toMedia(row, true);
            try {
                events.publish(media, config.kafkaTimeout());
            } catch (ProtocolException e) {
                repository.delete(row.mediaId);
                throw e;
            }
            outcome = "stored";
            meters.counter("im.media.upload.bytes", "type", type.wireName()).increment(size);
            return media;
        } catch (ProtocolException e) {
            outcome = e.code().name();
            stored.forEach(store::delete);
            throw e;
        } catch (Exception e) {
            LOG.errorf(e, "cannot store an upload of %s", ownerId);
            stored.forEach(store::delete);
            outcome = ErrorCode.UNAVAILABLE.name();
            throw new ProtocolException(ErrorCode.UNAVAILABLE, "the upload could not be stored; retry");
        } finally {
            for (Path path : scratch) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.warnf("cannot delete %s: %s", path, e.getMessage());
                }
            }
            meters.counter("im.media.uploads", "type", type.wireName(), "outcome", outcome).increment();
        }
    }

    private void put(String mediaId, Variant variant, Path file, String mimeType, List<String> stored) throws IOException {
        String key = Keys.of(mediaId, variant);
        stored.add(key);
        store.put(key, file, mimeType);
    }

    /** Counts a refusal that happened before {@link #ingest} (while streaming). */
    public void refused(MessageType type, String outcome) {
        meters.counter("im.media.uploads", "type", type == null ? "unknown" : type.wireName(), "outcome", outcome)
                .increment();
    }

    static ProtocolException tooLarge(MessageType type) {
        return new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                type.wireName() + " uploads may be at most " + type.maxBytes() + " bytes");
    }

    /** The stored row of an upload, or null. Blocking. */
    public MediaEntity find(String mediaId) {
        return Keys.isMediaId(mediaId) ? repository.find(mediaId) : null;
    }

    /**
     * An upload with freshly signed URLs (the internal lookup), or {@code NOT_FOUND}, also for a withdrawn upload: the
     * gateway's client knows that code, and a withdrawn upload can be sent no more than one that never existed. Blocking.
     */
    public Media lookup(String mediaId) {
        MediaEntity row = find(mediaId);
        if (row == null) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "no media " + mediaId);
        }
        if (row.withdrawnAt != null) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "media " + mediaId + " was withdrawn (its message was recalled)");
        }
        return toMedia(row, true);
    }

    /** The {@code exp} of URLs signed now: {@code url-ttl} from now, epoch seconds. */
    public long freshExp() {
        return System.currentTimeMillis() / 1000 + config.urlTtl().toSeconds();
    }

    /**
     * Withdraws an upload for good when {@code by} owns it: the row is marked (every URL answers {@code GONE} from then
     * on), then its files are deleted from the store, best effort (a store failure is logged; the mark alone refuses
     * every download). Idempotent: a withdrawal seen again changes nothing. Whether the upload is (now or already)
     * withdrawn. Blocking; a database failure is thrown as it is, for the consumer's failure policy.
     */
    public boolean withdraw(String mediaId, String by, long at) {
        MediaEntity row = find(mediaId);
        if (row == null || !row.ownerId.equals(by)) {
            LOG.infof("withdrawal of %s by %s not applied (unknown upload or not its owner's)", mediaId, by);
            meters.counter("im.media.withdrawals", "outcome", row == null ? "unknown" : "not_owner").increment();
            return false;
        }
        String outcome = "already";
        if (row.withdrawnAt == null) {
            outcome = repository.withdraw(mediaId, by, at) ? "applied" : "unchanged";
            if ("unchanged".equals(outcome)) {
                // expected only when another withdrawal marked it between the read and this update
                LOG.infof("withdrawal of %s by %s changed no row (withdrawn meanwhile?)", mediaId, by);
            }
        }
        LOG.debugf("withdrawal of %s by %s: %s", mediaId, by, outcome);
        meters.counter("im.media.withdrawals", "outcome", outcome).increment();
        for (Variant variant : Variant.values()) {
            store.delete(Keys.of(mediaId, variant));
        }
        return true;
    }

    /** The protocol's description of a row, with URLs valid for {@code url-ttl} from now when asked. */
    public Media toMedia(MediaEntity row, boolean withUrls) {
        Long urlsExpireAt = null;
        String file = null;
        String thumbnail = null;
        String large = null;
        if (withUrls) {
            long exp = freshExp();
            urlsExpireAt = exp * 1000;
            file = signer.url(row.mediaId, Variant.ORIGINAL, exp);
            if (row.thumbnailSha256 != null) {
                thumbnail = signer.url(row.mediaId, Variant.THUMBNAIL, exp);
            }
            if (row.largeSha256 != null) {
                large = signer.url(row.mediaId, Variant.LARGE, exp);
            }
        }
        Integer duration = row.durationMs == null ? null : (int) ((row.durationMs + 999) / 1000);
        return new Media(Media.VERSION, row.mediaId, row.ownerId,
                MessageType.valueOf(row.type.toUpperCase(Locale.ROOT)),
                row.fileName, row.fileSize, row.mimeType, row.sha256, row.width, row.height, duration, row.durationMs,
                row.createdAt, file, thumbnail, large, urlsExpireAt);
    }
}
