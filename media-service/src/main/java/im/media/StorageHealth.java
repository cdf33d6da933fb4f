package im.media;

import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only when the storage directory exists and is writable: uploads would fail otherwise. */
@Readiness
@ApplicationScoped
public class StorageHealth implements HealthCheck {

    private final Path storage;

    StorageHealth(@ConfigProperty(name = "im.media.storage-dir") Path storage) {
        this.storage = storage;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            Files.createDirectories(storage);
            boolean writable = Files.isWritable(storage);
            return HealthCheckResponse.named("media-storage").status(writable).withData("dir", storage.toString()).build();
        } catch (Exception e) {
            return HealthCheckResponse.named("media-storage").down().withData("error", e.getMessage()).build();
        }
    }
}
