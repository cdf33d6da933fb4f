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

    @Transactional
    public void delete(String mediaId) {
        MediaEntity.deleteById(mediaId);
    }
}
