package im.media.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;

import io.quarkus.runtime.StartupEvent;

import im.media.config.MediaConfig;

/** Picks the back end named by {@code im.media.storage.type} and owns the local upload area ({@code storage-dir/tmp}). */
@ApplicationScoped
public class Stores {

    private final MediaConfig config;

    Stores(MediaConfig config) {
        this.config = config;
    }

    @Produces
    @ApplicationScoped
    BlobStore blobStore() {
        return switch (config.storage().type()) {
            case "fs" -> new FsBlobStore(config.storageDir().resolve("store"));
            case "s3" -> new S3BlobStore(config.storage().s3());
            default -> throw new IllegalArgumentException(
                    "im.media.storage.type must be fs or s3, not " + config.storage().type());
        };
    }

    /** Temp files untouched this long are leftovers of a crash; younger ones may be another replica's uploads. */
    static final Duration STALE = Duration.ofHours(1);

    /** Removes crash leftovers from the upload area when the service starts. */
    void clearStaleTempFiles(@Observes StartupEvent event) throws IOException {
        Instant cutoff = Instant.now().minus(STALE);
        try (var leftovers = Files.list(tempDir())) {
            for (Path path : (Iterable<Path>) leftovers::iterator) {
                if (Files.getLastModifiedTime(path).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    /** Where uploads stream to before they are checked; on the same filesystem as the fs store, so moves are renames. */
    public Path tempDir() {
        Path dir = config.storageDir().resolve("tmp");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
