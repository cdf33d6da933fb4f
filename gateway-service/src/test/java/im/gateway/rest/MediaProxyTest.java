package im.gateway.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import im.testkit.RawHttp;
import im.testkit.Tokens;

/**
 * The gateway's {@code /v1/media} pass-through against a stand-in media-service ({@link MediaOrigin}) and the real
 * broker: uploads authenticated and admitted from their headers, slow bodies cut off, and trickling sockets unable to
 * delay a download.
 */
@QuarkusTest
@TestProfile(MediaProxyTest.Limits.class)
class MediaProxyTest {
    private static final int MAX_UPLOADS = 8;
    private static final int PER_USER = 4;

    /** Small limits, so that a handful of sockets reaches them; a rate window long enough to download meanwhile. */
    public static class Limits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("im.gateway.media.max-concurrent-uploads", String.valueOf(MAX_UPLOADS),
                    "im.gateway.media.max-concurrent-uploads-per-user", String.valueOf(PER_USER),
                    "im.gateway.media.upload-min-bytes-per-second", "1024", "im.gateway.media.upload-rate-window", "10s",
                    "im.gateway.media.refusal-linger", "1s", "im.gateway.media.download-connections", "4");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(MediaOrigin.class));
        }
    }

    @TestHTTPResource("/")
    URL gateway;

    @ConfigProperty(name = "im.gateway.media-url")
    String mediaUrl;

    @Inject
    MediaProxy proxy;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Uploads in flight at the stand-in, and uploads it has seen. */
    private int[] origin() throws Exception {
        String[] stats = http.send(HttpRequest.newBuilder(URI.create(mediaUrl + "/stats")).build(),
                HttpResponse.BodyHandlers.ofString()).body().split(" ");
        return new int[]{Integer.parseInt(stats[0]), Integer.parseInt(stats[1])};
    }

    private static String bearer(String user) {
        return "Bearer " + Tokens.user(user);
    }

    private static String user() {
        return "m-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void upload_withoutAValidToken_isRefused401_withoutAConnectionToMedia_andClosed() throws Exception {
        int seen = origin()[1];
        for (String authorization : new String[]{null, "Bearer nonsense", "Basic dXNlcjpwYXNz"}) {
            try (RawHttp socket = new RawHttp(gateway)) {
                // 5 MB announced, none of it sent: the answer comes from the headers alone
                RawHttp.Answer answer = socket.send(RawHttp.uploadHead("/v1/media?type=file", authorization, 5_000_000))
                        .read();
                assertThat(answer.status()).isEqualTo(401);
                assertThat(answer.body()).contains("UNAUTHORIZED");
                await().atMost(Duration.ofSeconds(15)).until(socket::closedByServer);
            }
        }
        assertThat(origin()[1]).as("uploads media-service saw").isEqualTo(seen);
    }

    @Test
    void refusals_overHttp2_reachTheApp_andLeaveTheConnectionToOtherRequests() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<byte[]> first = h2.send(
                HttpRequest.newBuilder(URI.create(gateway + "v1/media/" + UUID.randomUUID() + "?exp=1&sig=x")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(first.version()).as("h2c upgrade").isEqualTo(HttpClient.Version.HTTP_2);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> refused = h2.send(HttpRequest.newBuilder(URI.create(gateway + "v1/media?type=file"))
                    .header("Content-Type", "multipart/form-data; boundary=b")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100_000])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).contains("UNAUTHORIZED");
            HttpResponse<byte[]> download = h2.send(
                    HttpRequest.newBuilder(URI.create(gateway + "v1/media/" + UUID.randomUUID() + "?exp=1&sig=x")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(download.statusCode()).isEqualTo(200);
            assertThat(download.version()).as("the same client after a refusal").isEqualTo(HttpClient.Version.HTTP_2);
        }
    }

    @Test
    void tricklingAndStalledUploadBodies_areCutOff_withAClearError() throws Exception {
        try (RawHttp trickling = new RawHttp(gateway); RawHttp stalled = new RawHttp(gateway)) {
            trickling.send(RawHttp.uploadHead("/v1/media?type=file", bearer(user()), 1_000_000));
            stalled.send(RawHttp.uploadHead("/v1/media?type=file", bearer(user()), 1_000_000)).send(new byte[100]);
            ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
            try {
                drip.scheduleAtFixedRate(() -> trickling.trySend(new byte[10]), 0, 300, TimeUnit.MILLISECONDS);
                for (RawHttp socket : List.of(trickling, stalled)) {
                    RawHttp.Answer answer = socket.read(); // once a rate window has passed too slowly
                    assertThat(answer.status()).isEqualTo(400);
                    assertThat(answer.body()).contains("INVALID_REQUEST").contains("slower than");
                }
            } finally {
                drip.shutdownNow();
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> trickling.closedByServer() && stalled.closedByServer());
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> proxy.uploadsInFlight() == 0 && origin()[0] == 0);
    }

    @Test
    void aCompleteUpload_passesThrough() throws Exception {
        String boundary = "b" + UUID.randomUUID();
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
                + "hello\r\n--" + boundary + "--\r\n";
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(gateway + "v1/media?type=file"))
                .header("Authorization", bearer(user())).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(201);
        assertThat(answer.body()).contains("stub");
    }

    @Test
    void otherMethods_andDownloadsWithABody_areRefusedAtTheGateway() throws Exception {
        String id = UUID.randomUUID().toString();
        HttpResponse<String> delete = http.send(
                HttpRequest.newBuilder(URI.create(gateway + "v1/media/" + id)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(delete.statusCode()).isEqualTo(404);
        assertThat(delete.body()).contains("NOT_FOUND");
        try (RawHttp socket = new RawHttp(gateway)) {
            RawHttp.Answer answer = socket.send("GET /v1/media/" + id + "?exp=1&sig=x HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Length: 1000000\r\n\r\n").read();
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.body()).contains("INVALID_REQUEST");
            await().atMost(Duration.ofSeconds(15)).until(socket::closedByServer);
        }
    }

    /** One raw upload that trickles a few bytes now and then, its answer read as soon as it comes. */
    private static final class Trickler {
        final RawHttp socket;
        final CompletableFuture<Integer> status;

        Trickler(URL gateway, String authorization, ExecutorService readers) {
            socket = new RawHttp(gateway).send(RawHttp.uploadHead("/v1/media?type=file", authorization, 50_000_000));
            status = CompletableFuture.supplyAsync(() -> {
                try {
                    return socket.read().status();
                } catch (RuntimeException closedWithoutAnswer) {
                    return -1;
                }
            }, readers);
        }
    }

    private static long count(List<Trickler> tricklers, int status) {
        return tricklers.stream().filter(t -> t.status.isDone() && t.status.join() == status).count();
    }

    @Test
    void seventyTricklingUploads_doNotDelayADownload_andAreAllRefusedOrCutOff() throws Exception {
        ExecutorService readers = Executors.newFixedThreadPool(70);
        ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
        List<Trickler> all = new CopyOnWriteArrayList<>();
        try {
            // one user opening ten: PER_USER are admitted, the rest refused RATE_LIMITED
            String hog = user();
            List<Trickler> hogs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                hogs.add(new Trickler(gateway, bearer(hog), readers));
            }
            all.addAll(hogs);
            drip.scheduleAtFixedRate(() -> all.forEach(t -> t.socket.trySend(new byte[3])), 0, 300,
                    TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> count(hogs, 429) == 10 - PER_USER);
            // forty users, one each: admitted up to the node's limit, the rest refused UNAVAILABLE at once
            List<Trickler> many = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                many.add(new Trickler(gateway, bearer(user()), readers));
            }
            all.addAll(many);
            await().atMost(Duration.ofSeconds(30)).until(() -> count(many, 503) == 40 - (MAX_UPLOADS - PER_USER));
            // twenty without a token
            List<Trickler> anonymous = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                anonymous.add(new Trickler(gateway, null, readers));
            }
            all.addAll(anonymous);
            await().atMost(Duration.ofSeconds(30)).until(() -> count(anonymous, 401) == 20);
            assertThat(origin()[0]).as("uploads held open at media-service").isEqualTo(MAX_UPLOADS);

            // a download while all of that trickles: it completes normally (the deadline is a safety net only)
            HttpResponse<byte[]> download = http
                    .sendAsync(HttpRequest.newBuilder(URI.create(gateway + "v1/media/" + UUID.randomUUID() + "?exp=1&sig=x"))
                            .build(), HttpResponse.BodyHandlers.ofByteArray())
                    .get(60, TimeUnit.SECONDS);
            assertThat(download.statusCode()).isEqualTo(200);
            assertThat(download.body()).hasSize(MediaOrigin.DOWNLOAD_BYTES);
            for (int i = 0; i < MediaOrigin.DOWNLOAD_BYTES; i += 4093) {
                assertThat(download.body()[i]).isEqualTo(MediaOrigin.byteAt(i));
            }
            assertThat(origin()[0]).as("the trickling uploads are still open").isEqualTo(MAX_UPLOADS);

            // the admitted ones are cut off for being too slow; every socket is closed by the gateway in the end
            await().atMost(Duration.ofSeconds(60)).until(() -> count(all, 400) == MAX_UPLOADS);
            await().atMost(Duration.ofSeconds(60)).until(() -> all.stream().allMatch(t -> t.socket.closedByServer()));
            await().atMost(Duration.ofSeconds(15)).until(() -> proxy.uploadsInFlight() == 0 && origin()[0] == 0);
        } finally {
            drip.shutdownNow();
            all.forEach(t -> t.socket.close());
            readers.shutdownNow();
        }
    }
}
