package im.media.storage;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;

/** Files under {@code storage-dir/store}; downloads go out with {@code sendFile} (zero copy). */
public class FsBlobStore implements BlobStore {

    private final Path root;

    public FsBlobStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    private Path pathOf(String key) {
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root)) {
            throw new IllegalArgumentException("key outside the store");
        }
        return path;
    }

    @Override
    public void put(String key, Path source, String contentType) throws IOException {
        Path target = pathOf(key);
        Files.createDirectories(target.getParent());
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public void delete(String key) {
        Path path = pathOf(key);
        try {
            Files.deleteIfExists(path);
            Path dir = path.getParent();
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isEmpty()) {
                    Files.deleteIfExists(dir);
                }
            }
        } catch (IOException ignored) {
            // a leftover empty directory or file is harmless; the row is what makes an upload exist
        }
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(pathOf(key));
    }

    @Override
    public Future<Void> send(Vertx vertx, HttpServerResponse response, String key, long offset, long length) {
        return response.sendFile(pathOf(key).toString(), offset, length);
    }

    @Override
    public void check() throws IOException {
        Files.createDirectories(root);
        if (!Files.isWritable(root)) {
            throw new IOException(root + " is not writable");
        }
    }

    @Override
    public String describe() {
        return "fs:" + root;
    }
}
