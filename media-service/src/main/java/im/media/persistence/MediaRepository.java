package im.media.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/** The rows of the {@code media} table, one transaction per call (uploads and lookups run on worker threads). */
@ApplicationScoped
public class MediaRepository {

    @Transactional
    public void insert(MediaEntity entity) {
        entity.persist();
    }

    @Transactional
    public MediaEntity find(String mediaId) {
        return MediaEntity.findById(mediaId);
    }

    /**
     * Marks an upload withdrawn if {@code by} owns it and it is not withdrawn yet; whether this call marked it. Blocking.
     */
    @Transactional
    public boolean withdraw(String mediaId, String by, long at) {
        return MediaEntity.update("withdrawnAt = ?1, withdrawnBy = ?2 where mediaId = ?3 and ownerId = ?2 "
                + "and withdrawnAt is null", at, by, mediaId) > 0;
    }

    @Transactional
    public void delete(String mediaId) {
        MediaEntity.deleteById(mediaId);
    }
}
