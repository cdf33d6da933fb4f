package im.media.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A stored upload's facts. Never on the wire: {@link im.media.service.MediaService} maps it to the protocol's Media. */
@Entity
@Table(name = "media")
public class MediaEntity extends PanacheEntityBase {

    @Id
    @Column(name = "media_id")
    public String mediaId;

    @Column(name = "owner_id")
    public String ownerId;

    public String type;

    @Column(name = "file_name")
    public String fileName;

    @Column(name = "file_size")
    public long fileSize;

    @Column(name = "mime_type")
    public String mimeType;

    public String sha256;

    public Integer width;

    public Integer height;

    @Column(name = "duration_ms")
    public Long durationMs;

    @Column(name = "created_at")
    public long createdAt;

    @Column(name = "thumbnail_size")
    public Long thumbnailSize;

    @Column(name = "thumbnail_mime")
    public String thumbnailMime;

    @Column(name = "thumbnail_sha256")
    public String thumbnailSha256;

    @Column(name = "large_size")
    public Long largeSize;

    @Column(name = "large_mime")
    public String largeMime;

    @Column(name = "large_sha256")
    public String largeSha256;

    /** When the message that carried the upload was recalled (epoch ms): its files are gone for good. Null otherwise. */
    @Column(name = "withdrawn_at")
    public Long withdrawnAt;

    @Column(name = "withdrawn_by")
    public String withdrawnBy;
}
