package im.media;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

import im.media.config.MediaConfig;
import im.media.messaging.MediaEvents;
import im.media.service.UrlSigner;
import im.media.storage.Keys.Variant;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.Media;
import im.protocol.MessageType;
import im.protocol.ProtocolException;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.KafkaResource;
import im.testkit.PostgresResource;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/** Uploads, checks, variants and downloads on the filesystem back end, against a real broker and PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
class MediaTest {

    @Inject
    MediaConfig config;

    @Inject
    UrlSigner signer;

    @TestHTTPResource("/")
    URL base;

    private static String user() {
        return "u-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private Path tmpDir() {
        return config.storageDir().resolve("tmp");
    }

    private Path storeDir() {
        return config.storageDir().resolve("store");
    }

    private static long countFiles(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    /** Temp files and stored files as they are before a test's upload. */
    private record Snapshot(Set<Path> temp, long stored) {}

    private Snapshot snapshot() throws IOException {
        Set<Path> temp = new HashSet<>();
        if (Files.exists(tmpDir())) {
            try (Stream<Path> files = Files.list(tmpDir())) {
                files.forEach(temp::add);
            }
        }
        return new Snapshot(temp, countFiles(storeDir()));
    }

    private Set<Path> tempFiles() throws IOException {
        return snapshot().temp();
    }

    /** Neither a temp file nor a stored file of the refused upload is left. */
    private void awaitNothingLeftBehind(Snapshot before) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(tempFiles()).as("temp files").isEqualTo(before.temp());
            assertThat(countFiles(storeDir())).as("stored files").isEqualTo(before.stored());
        });
    }

    @ParameterizedTest
    @CsvSource({"jpeg, image/jpeg", "png, image/png", "bmp, image/bmp", "tiff, image/tiff", "gif, image/gif"})
    void image_isStored_withTypeAndDimensions_forEveryFormatImageIoWrites(String format, String mimeType) {
        byte[] bytes = Fixtures.image(format, 320, 240, false);
        Media media = Api.stored(user(), "image", "photo." + format, bytes);

        assertThat(media.mimeType()).isEqualTo(mimeType);
        assertThat(media.type()).isEqualTo(MessageType.IMAGE);
        assertThat(media.width()).isEqualTo(320);
        assertThat(media.height()).isEqualTo(240);
        assertThat(media.fileSize()).isEqualTo(bytes.length);
        assertThat(media.sha256()).isEqualTo(Api.sha256(bytes));
        assertThat(media.thumbnailDownloadUrl()).startsWith("http://localhost:8080/v1/media/" + media.mediaId()
                + "/thumbnail?exp=");
        assertThat(media.largeImageDownloadUrl()).contains("/large?exp=");
        assertThat(media.duration()).isNull();
        assertThat(Api.download(media.fileDownloadUrl()).then().statusCode(200).extract().asByteArray()).isEqualTo(bytes);
    }

    @ParameterizedTest
    @CsvSource({"image, image-64x48.webp, image/webp, 0", "audio, tone-2s.mp3, audio/mpeg, 2000",
            "audio, tone-2s.m4a, audio/mp4, 2000", "video, clip-2s.mp4, video/mp4, 2000",
            "video, clip-2s.mov, video/quicktime, 2000"})
    void committedFixture_isStored_withTypeAndDuration(String type, String fixture, String mimeType, long durationMs) {
        byte[] bytes = Fixtures.resource(fixture);
        Media media = Api.stored(user(), type, fixture, bytes);

        assertThat(media.mimeType()).isEqualTo(mimeType);
        assertThat(media.fileName()).isEqualTo(fixture);
        if (durationMs == 0) {
            assertThat(media.width()).isEqualTo(64);
            assertThat(media.height()).isEqualTo(48);
            assertThat(media.durationMs()).isNull();
        } else {
            // encoders pad a little (MP3 frames, AAC priming): within 150 ms of the generated length
            assertThat(media.durationMs()).isBetween(durationMs - 150, durationMs + 150);
            assertThat(media.duration()).isEqualTo((int) ((media.durationMs() + 999) / 1000));
            assertThat(media.width()).isNull();
            assertThat(media.thumbnailDownloadUrl()).isNull();
        }
    }

    @Test
    void audio_isRefused_whenLongerThan300Seconds() throws IOException {
        Snapshot before = snapshot();
        Api.upload(user(), "audio", "long.mp3", "audio/mpeg", Fixtures.resource("long-310s.mp3")).then().statusCode(413)
                .body("error.code", Matchers.equalTo("MESSAGE_TOO_LARGE"));
        awaitNothingLeftBehind(before);
    }

    @Test
    void file_acceptsAnyContent_andIsDownloadedAsAttachment() {
        byte[] bytes = "just some notes\n".getBytes(StandardCharsets.UTF_8);
        Media media = Api.stored(user(), "file", "my notes.txt", bytes);

        assertThat(media.mimeType()).isEqualTo("text/plain");
        Response response = Api.download(media.fileDownloadUrl());
        response.then().statusCode(200).header("Content-Type", "text/plain").header("Content-Disposition",
                "attachment; filename=\"my notes.txt\"; filename*=UTF-8''my%20notes.txt");
        assertThat(response.asByteArray()).isEqualTo(bytes);
    }

    @Test
    void spoofedContent_isRefused_pngAsAudio_textAsJpeg() throws IOException {
        Snapshot stored = snapshot();
        Api.upload(user(), "audio", "voice.mp3", "audio/mpeg", Fixtures.image("png", 10, 10, false)).then()
                .statusCode(415).body("error.code", Matchers.equalTo("UNSUPPORTED_MEDIA_TYPE"));
        Api.upload(user(), "image", "x.jpg", "image/jpeg", "not an image at all".getBytes(StandardCharsets.UTF_8))
                .then().statusCode(415).body("error.code", Matchers.equalTo("UNSUPPORTED_MEDIA_TYPE"));
        awaitNothingLeftBehind(stored);
    }

    @Test
    void upload_isRefused_withoutTokenTypeOrFile() {
        given().multiPart("type", "file").multiPart("file", "a.txt", new byte[]{1}).post("/v1/media").then()
                .statusCode(401).body("error.code", Matchers.equalTo("UNAUTHORIZED"));
        Api.upload(user(), null, "a.txt", "text/plain", new byte[]{1}).then().statusCode(400)
                .body("error.code", Matchers.equalTo("INVALID_REQUEST"));
        Api.upload(user(), "sticker", "a.txt", "text/plain", new byte[]{1}).then().statusCode(400);
        given().auth().oauth2(Tokens.user(user())).multiPart("type", "file").post("/v1/media").then().statusCode(400);
    }

    /** A multipart body of {@code size} zero bytes, sent chunked (no Content-Length), with {@code type} in the query. */
    private HttpResponse<String> chunkedUpload(String query, String typeFieldBefore, long size) throws Exception {
        String boundary = "b" + UUID.randomUUID();
        StringBuilder head = new StringBuilder();
        if (typeFieldBefore != null) {
            head.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n")
                    .append(typeFieldBefore).append("\r\n");
        }
        head.append("--").append(boundary)
                .append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\n")
                .append("Content-Type: image/jpeg\r\n\r\n");
        String tail = "\r\n--" + boundary + "--\r\n";
        InputStream zeros = new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
        InputStream body = new SequenceInputStream(Collections.enumeration(
                List.of(new ByteArrayInputStream(head.toString().getBytes(StandardCharsets.UTF_8)), zeros,
                        new ByteArrayInputStream(tail.getBytes(StandardCharsets.UTF_8)))));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base.toString() + "v1/media" + query))
                .header("Authorization", "Bearer " + Tokens.user(user()))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @CsvSource(value = {"?type=image, NULL", "'', image"}, nullValues = "NULL")
    void oversize_isRefusedMidStream_withNothingLeftBehind(String query, String typeField) throws Exception {
        Snapshot stored = snapshot();
        try {
            HttpResponse<String> response = chunkedUpload(query, typeField, 11L * 1024 * 1024);
            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(response.body()).contains("MESSAGE_TOO_LARGE");
        } catch (IOException closedEarly) {
            // the server may close the connection before the client reads the answer: also a refusal mid-stream
        }
        awaitNothingLeftBehind(stored);
    }

    @Test
    void oversize_isRefusedAtTheEnd_whenTheTypeComesAfterTheFile() throws IOException {
        Snapshot stored = snapshot();
        byte[] bytes = new byte[11 * 1024 * 1024];
        given().auth().oauth2(Tokens.user(user())).multiPart("file", "big.png", bytes).multiPart("type", "image")
                .post("/v1/media").then().statusCode(413)
                .body("error.code", Matchers.equalTo("MESSAGE_TOO_LARGE"));
        awaitNothingLeftBehind(stored);
    }

    @Test
    void oversize_isRefusedBeforeReading_whenContentLengthSaysSo() throws Exception {
        Snapshot before = snapshot();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        byte[] body = new byte[7 * 1024 * 1024];
        HttpRequest request = HttpRequest.newBuilder(URI.create(base.toString() + "v1/media?type=audio"))
                .header("Authorization", "Bearer " + Tokens.user(user()))
                .header("Content-Type", "multipart/form-data; boundary=x")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(413);
        } catch (IOException closedEarly) {
            // refused before the body was read: the connection closes under the client's write
        }
        awaitNothingLeftBehind(before);
    }

    @Test
    void image_variants_fitTheirBounds_andAreNeverUpscaled() {
        Media big = Api.stored(user(), "image", "big.jpg", Fixtures.image("jpeg", 3000, 2000, false));
        assertThat(big.width()).isEqualTo(3000);
        Response thumbnail = Api.download(big.thumbnailDownloadUrl());
        thumbnail.then().statusCode(200).header("Content-Type", "image/jpeg").header("Content-Disposition",
                Matchers.startsWith("inline;"));
        assertThat(Fixtures.dimensions(thumbnail.asByteArray())).containsExactly(200, 133);
        assertThat(Fixtures.dimensions(Api.download(big.largeImageDownloadUrl()).asByteArray())).containsExactly(1080,
                720);

        Media small = Api.stored(user(), "image", "small.png", Fixtures.image("png", 150, 100, true));
        Response smallThumbnail = Api.download(small.thumbnailDownloadUrl());
        smallThumbnail.then().statusCode(200).header("Content-Type", "image/png");
        assertThat(Fixtures.dimensions(smallThumbnail.asByteArray())).containsExactly(150, 100);
        assertThat(Fixtures.dimensions(Api.download(small.largeImageDownloadUrl()).asByteArray())).containsExactly(150,
                100);
    }

    @Test
    void decompressionBomb_isRefusedFromItsHeader() throws IOException {
        Snapshot stored = snapshot();
        Api.upload(user(), "image", "bomb.png", "image/png", Fixtures.pngDeclaring(50_000, 50_000)).then()
                .statusCode(413).body("error.code", Matchers.equalTo("MESSAGE_TOO_LARGE"));
        awaitNothingLeftBehind(stored);
    }

    @Test
    void ranges_etag_andHead() {
        byte[] bytes = new byte[10_000];
        new Random(7).nextBytes(bytes);
        Media media = Api.stored(user(), "file", "data.bin", bytes);
        String url = Api.local(media.fileDownloadUrl());

        Response part = given().urlEncodingEnabled(false).header("Range", "bytes=10-19").get(url);
        part.then().statusCode(206).header("Content-Range", "bytes 10-19/10000").header("Content-Length", "10")
                .header("Accept-Ranges", "bytes");
        assertThat(part.asByteArray()).isEqualTo(Arrays.copyOfRange(bytes, 10, 20));

        Response open = given().urlEncodingEnabled(false).header("Range", "bytes=9990-").get(url);
        open.then().statusCode(206).header("Content-Range", "bytes 9990-9999/10000");
        assertThat(open.asByteArray()).isEqualTo(Arrays.copyOfRange(bytes, 9990, 10_000));

        Response suffix = given().urlEncodingEnabled(false).header("Range", "bytes=-100").get(url);
        suffix.then().statusCode(206).header("Content-Range", "bytes 9900-9999/10000");
        assertThat(suffix.asByteArray()).isEqualTo(Arrays.copyOfRange(bytes, 9900, 10_000));

        given().urlEncodingEnabled(false).header("Range", "bytes=20000-").get(url).then().statusCode(416)
                .header("Content-Range", "bytes */10000")
                .body("error.code", Matchers.equalTo("RANGE_NOT_SATISFIABLE"));
        given().urlEncodingEnabled(false).header("Range", "bytes=0-1,5-6").get(url).then().statusCode(200)
                .header("Content-Length", "10000");

        String etag = "\"" + Api.sha256(bytes) + "\"";
        given().urlEncodingEnabled(false).get(url).then().statusCode(200).header("ETag", etag);
        given().urlEncodingEnabled(false).header("If-None-Match", etag).get(url).then().statusCode(304);
        given().urlEncodingEnabled(false).head(url).then().statusCode(200).header("Content-Length", "10000")
                .header("Content-Type", "application/octet-stream");
    }

    @Test
    void signedUrls_areRefused_whenExpiredOrTampered() {
        Media media = Api.stored(user(), "image", "p.png", Fixtures.image("png", 40, 30, false));
        String id = media.mediaId();
        long past = System.currentTimeMillis() / 1000 - 10;
        String expired = "/v1/media/" + id + "?exp=" + past + "&sig=" + signer.sign(id, Variant.ORIGINAL, past);
        given().urlEncodingEnabled(false).get(expired).then().statusCode(403)
                .body("error.code", Matchers.equalTo("FORBIDDEN"));

        String url = Api.local(media.fileDownloadUrl());
        String sig = url.substring(url.indexOf("sig=") + 4);
        String changedSig = url.substring(0, url.indexOf("sig=") + 4) + (sig.charAt(0) == 'A' ? 'B' : 'A')
                + sig.substring(1);
        given().urlEncodingEnabled(false).get(changedSig).then().statusCode(403);
        given().urlEncodingEnabled(false).get(url.replace("?", "/thumbnail?")).then().statusCode(403);
        Media other = Api.stored(user(), "file", "o.txt", "other".getBytes(StandardCharsets.UTF_8));
        given().urlEncodingEnabled(false).get(url.replace(id, other.mediaId())).then().statusCode(403);
        given().urlEncodingEnabled(false).get("/v1/media/" + id).then().statusCode(403);
        String laterExp = url.replaceFirst("exp=\\d+", "exp=" + (media.urlsExpireAt() / 1000 + 3600));
        given().urlEncodingEnabled(false).get(laterExp).then().statusCode(403);
        given().urlEncodingEnabled(false).get(url).then().statusCode(200);
    }

    @Test
    void traversalInNames_staysADisplayName_andTraversalInIds_isRefused() throws IOException {
        Media unix = Api.stored(user(), "file", "../../etc/passwd", "root:x:0:0".getBytes(StandardCharsets.UTF_8));
        Media windows = Api.stored(user(), "file", "..\\..\\x", "x".getBytes(StandardCharsets.UTF_8));
        assertThat(unix.fileName()).isEqualTo("passwd");
        assertThat(windows.fileName()).isEqualTo("x");
        Path root = config.storageDir().toAbsolutePath().normalize();
        try (Stream<Path> files = Files.walk(root)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .doesNotContain("passwd", "x");
        }
        assertThat(root.resolve("store/../../etc/passwd").normalize()).doesNotExist();
        assertThat(root.resolve("tmp/../../x").normalize()).doesNotExist();
        String id = unix.mediaId();
        assertThat(root.resolve("store").resolve(id.substring(32, 34)).resolve(id.substring(34)).resolve(id)
                .resolve("original")).exists();

        long exp = System.currentTimeMillis() / 1000 + 60;
        for (String attempt : List.of("..%2F..%2Fetc", "..%2F..%2Fetc%2Fpasswd")) {
            given().urlEncodingEnabled(false).get("/v1/media/" + attempt + "?exp=" + exp + "&sig=x").then()
                    .statusCode(400).body("error.code", Matchers.equalTo("INVALID_REQUEST"));
        }
        // a dot segment is resolved away by the router: no media route matches
        given().urlEncodingEnabled(false).get("/v1/media/%2E%2E?exp=" + exp + "&sig=x").then().statusCode(404)
                .body("error.code", Matchers.equalTo("NOT_FOUND"));
        given().auth().oauth2(Tokens.service("gateway-service")).urlEncodingEnabled(false)
                .get("/v1/internal/media/..%2F..%2Fetc").then().statusCode(404);
    }

    @Test
    void concurrentUploads_getDistinctIds_andRightHashes() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String[]>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    byte[] bytes = new byte[200_000 + n];
                    new Random(n).nextBytes(bytes);
                    Media media = Api.stored(user(), "file", "f" + n + ".bin", bytes);
                    return new String[]{media.mediaId(), media.sha256(), Api.sha256(bytes)};
                }));
            }
            Set<String> ids = new HashSet<>();
            for (Future<String[]> result : results) {
                String[] r = result.get();
                ids.add(r[0]);
                assertThat(r[1]).isEqualTo(r[2]);
            }
            assertThat(ids).hasSize(8);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void storedUpload_isRecordedOnImMedia_andByTheInternalLookup() {
        try (TopicProbe probe = TopicProbe.fromEnd(EmbeddedKafka.shared().bootstrapServers(), Topics.MEDIA)) {
            String owner = user();
            Media media = Api.stored(owner, "image", "r.gif", Fixtures.image("gif", 20, 10, false));

            ConsumerRecord<String, String> record = probe.await(r -> media.mediaId().equals(r.key()));
            Media event = JsonCodec.decode(record.value(), Media.class);
            assertThat(event).isEqualTo(media.withoutUrls());
            assertThat(event.ownerId()).isEqualTo(owner);
            assertThat(record.value()).doesNotContain("DownloadUrl");
        }
        Media media = Api.stored("lookup-owner", "file", "l.txt", "l".getBytes(StandardCharsets.UTF_8));
        Media looked = JsonCodec.decode(given().auth().oauth2(Tokens.service("gateway-service"))
                .get("/v1/internal/media/" + media.mediaId()).then().statusCode(200)
                .extract().asString(), Media.class);
        assertThat(looked.withoutUrls()).isEqualTo(media.withoutUrls());
        assertThat(looked.ownerId()).isEqualTo("lookup-owner");
        assertThat(Api.download(looked.fileDownloadUrl()).asString()).isEqualTo("l");
        given().auth().oauth2(Tokens.service("gateway-service")).get("/v1/internal/media/" + UUID.randomUUID()).then()
                .statusCode(404)
                .body("error.code", Matchers.equalTo("NOT_FOUND"));
    }

    @Test
    void clientAbortMidUpload_leavesNothingBehind() throws Exception {
        Snapshot stored = snapshot();
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            String head = "POST /v1/media?type=file HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + Tokens.user(user()) + "\r\nContent-Type: multipart/form-data; boundary=abort\r\n"
                    + "Content-Length: 5000000\r\n\r\n--abort\r\n"
                    + "Content-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1_000_000]);
            out.flush();
            // the upload is streaming into its temp file when the client goes away
            await().atMost(Duration.ofSeconds(10)).until(() -> tempFiles().size() == stored.temp().size() + 1);
        }
        awaitNothingLeftBehind(stored);
    }

    @Test
    void upload_isRefusedUnavailable_andRemoved_whenKafkaDoesNotAcknowledge() throws IOException {
        QuarkusMock.installMockForType(new MediaEvents() {
            @Override
            public void publish(Media media, Duration timeout) {
                throw new ProtocolException(ErrorCode.UNAVAILABLE, "the upload could not be recorded; retry");
            }
        }, MediaEvents.class);
        Snapshot stored = snapshot();
        Api.upload(user(), "image", "k.png", "image/png", Fixtures.image("png", 300, 300, false)).then().statusCode(503)
                .body("error.code", Matchers.equalTo("UNAVAILABLE"));
        awaitNothingLeftBehind(stored);
    }
}
