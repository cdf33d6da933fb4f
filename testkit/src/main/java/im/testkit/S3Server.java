package im.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-compatible server without Docker: S3Proxy ({@code org.gaul:s3proxy}, the jar-with-dependencies) as a child
 * JVM on a free port, keeping objects in a temporary directory (jclouds' filesystem provider), checking AWS v2/v4
 * signatures against {@link #ACCESS_KEY}/{@link #SECRET_KEY}.
 */
public final class S3Server implements AutoCloseable {
    public static final String ACCESS_KEY = "im-test-access";
    public static final String SECRET_KEY = "im-test-secret-0123456789";

    private final Process process;
    private final Path dir;
    private final int port;

    private S3Server(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** Starts S3Proxy from {@code jar} and waits until it answers HTTP. */
    public static S3Server start(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing (the module build copies S3Proxy there)");
        }
        try {
            Path dir = Files.createTempDirectory("im-s3-");
            Path data = Files.createDirectories(dir.resolve("data"));
            int port = FreePorts.next();
            Path properties = dir.resolve("s3proxy.properties");
            Files.writeString(properties, String.join("\n", List.of(
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + data)) + "\n");
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "--properties",
                    properties.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
            S3Server server = new S3Server(process, dir, port);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "im-s3-stop"));
            server.awaitUp(Duration.ofSeconds(60));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitUp(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited: " + logTail());
            }
            try {
                http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("S3Proxy did not start in " + timeout + ": " + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("s3proxy.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** {@code http://127.0.0.1:<port>}: the endpoint override for an S3 client (path-style addressing). */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Where the objects lie on disk (one directory per bucket). */
    public Path dataDir() {
        return dir.resolve("data");
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Files2.deleteTree(dir);
    }
}
