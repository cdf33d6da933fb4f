package im.media.storage;

import java.io.IOException;
import java.nio.file.Path;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;

/**
 * Where the files of uploads live, by key ({@link Keys}): the local filesystem or an S3-compatible bucket
 * ({@code im.media.storage.type}). Keys never contain user input.
 */
public interface BlobStore {

    /** Takes over a finished local file under {@code key}; the source file is gone afterwards. Blocking. */
    void put(String key, Path source, String contentType) throws IOException;

    /** Removes {@code key} if it exists; never fails for a missing key. Blocking. */
    void delete(String key);

    /** Whether {@code key} exists. Blocking. */
    boolean exists(String key);

    /**
     * Writes bytes {@code [offset, offset + length)} of {@code key} to {@code response}, whose headers are set, and ends
     * it. Called on the event loop; must not block it.
     */
    Future<Void> send(Vertx vertx, HttpServerResponse response, String key, long offset, long length);

    /** Throws when the back end cannot take files now (readiness). Blocking. */
    void check() throws Exception;

    /** A short description for health output. */
    String describe();
}
