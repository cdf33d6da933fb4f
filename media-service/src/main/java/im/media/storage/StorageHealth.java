package im.media.storage;

import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only when the upload area is writable and the back end answers (the directory of the fs store, the bucket of
 * the S3 one): uploads would fail otherwise.
 */
@Readiness
@ApplicationScoped
public class StorageHealth implements HealthCheck {

    private final Stores stores;
    private final BlobStore store;

    StorageHealth(Stores stores, BlobStore store) {
        this.stores = stores;
        this.store = store;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            Path tmp = stores.tempDir();
            if (!Files.isWritable(tmp)) {
                return HealthCheckResponse.named("media-storage").down().withData("error", tmp + " is not writable")
                        .build();
            }
            store.check();
            return HealthCheckResponse.named("media-storage").up().withData("store", store.describe())
                    .withData("tmp", tmp.toString()).build();
        } catch (Exception e) {
            return HealthCheckResponse.named("media-storage").down().withData("store", store.describe())
                    .withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
