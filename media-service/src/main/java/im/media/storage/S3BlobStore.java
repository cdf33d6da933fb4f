package im.media.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import im.media.config.MediaConfig;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Objects in an S3-compatible bucket (AWS SDK v2, URL-connection HTTP client). Downloads are ranged {@code GetObject}
 * calls streamed to the client with back-pressure, never buffered whole.
 */
public class S3BlobStore implements BlobStore {
    private static final Logger LOG = Logger.getLogger(S3BlobStore.class);
    private static final int CHUNK = 64 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final String endpoint;

    public S3BlobStore(MediaConfig.S3 config) {
        S3ClientBuilder builder = S3Client.builder().httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(config.region())).forcePathStyle(config.pathStyle())
                // checksums only where S3 requires them: S3-compatible servers often lack the newer trailing checksums
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        config.endpoint().ifPresent(e -> builder.endpointOverride(URI.create(e)));
        if (config.accessKey().isPresent()) {
            builder.credentialsProvider(StaticCredentialsProvider
                    .create(AwsBasicCredentials.create(config.accessKey().get(), config.secretKey().orElse(""))));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        this.s3 = builder.build();
        this.bucket = config.bucket();
        this.endpoint = config.endpoint().orElse("aws:" + config.region());
        if (config.createBucket()) {
            try {
                s3.headBucket(b -> b.bucket(bucket));
            } catch (NoSuchBucketException e) {
                s3.createBucket(b -> b.bucket(bucket));
            } catch (S3Exception e) {
                if (e.statusCode() != 404) {
                    throw e;
                }
                s3.createBucket(b -> b.bucket(bucket));
            }
        }
    }

    @Override
    public void put(String key, Path source, String contentType) throws IOException {
        s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType), RequestBody.fromFile(source));
        Files.deleteIfExists(source);
    }

    @Override
    public void delete(String key) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (RuntimeException e) {
            LOG.warnf("cannot delete %s from bucket %s: %s", key, bucket, e.getMessage());
        }
    }

    @Override
    public boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public Future<Void> send(Vertx vertx, HttpServerResponse response, String key, long offset, long length) {
        if (length == 0) {
            return response.end();
        }
        return vertx.executeBlocking(() -> {
            String range = "bytes=" + offset + "-" + (offset + length - 1);
            try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key).range(range))) {
                byte[] chunk = new byte[CHUNK];
                int n;
                while ((n = in.read(chunk)) > 0) {
                    if (response.closed()) {
                        return null;
                    }
                    response.write(Buffer.buffer(n).appendBytes(chunk, 0, n));
                    awaitDrain(response);
                }
            }
            response.end();
            return null;
        }, false);
    }

    /** Blocks this worker while the client reads slower than S3 delivers. */
    private static void awaitDrain(HttpServerResponse response) throws Exception {
        if (!response.writeQueueFull()) {
            return;
        }
        CompletableFuture<Void> drained = new CompletableFuture<>();
        response.drainHandler(v -> drained.complete(null));
        response.closeHandler(v -> drained.complete(null));
        if (!response.writeQueueFull()) {
            drained.complete(null);
        }
        drained.get(60, TimeUnit.SECONDS);
    }

    @Override
    public void check() {
        s3.headBucket(b -> b.bucket(bucket));
    }

    @Override
    public String describe() {
        return "s3:" + endpoint + "/" + bucket;
    }
}
