package im.testkit;

import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a {@code @QuarkusTest} at a fresh {@link S3Server} (jar from the system property {@code im.s3proxy.jar}) and
 * switches the media service to its S3 back end.
 */
public class S3Resource implements QuarkusTestResourceLifecycleManager {
    private S3Server server;

    @Override
    public Map<String, String> start() {
        String jar = System.getProperty("im.s3proxy.jar");
        if (jar == null) {
            throw new IllegalStateException("set im.s3proxy.jar to the S3Proxy jar-with-dependencies");
        }
        server = S3Server.start(Path.of(jar));
        return Map.of("im.media.storage.type", "s3", "im.media.storage.s3.endpoint", server.endpoint(),
                "im.media.storage.s3.access-key", S3Server.ACCESS_KEY, "im.media.storage.s3.secret-key",
                S3Server.SECRET_KEY, "im.media.storage.s3.bucket", "im-media-test", "im.media.storage.s3.create-bucket",
                "true", "im.media.storage.s3.path-style", "true");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
