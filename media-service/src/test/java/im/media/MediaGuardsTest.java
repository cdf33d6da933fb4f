package im.media;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

import im.media.config.MediaConfig;
import im.media.service.UploadLimits;
import im.protocol.JsonCodec;
import im.protocol.Media;
import im.testkit.RawHttp;
import im.testkit.Tokens;

/**
 * What keeps bad input and hostile clients from hurting the media service: decode memory bounded from the header,
 * uploads refused from their headers (token, per-user limits) without reading the body, stalled bodies cut off, every
 * malformed parameter a catalogued 400. Same application as {@link MediaTest} (real broker and PostgreSQL).
 */
@QuarkusTest
class MediaGuardsTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    UploadLimits limits;

    @Inject
    MediaConfig config;

    private static String user() {
        return "g-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static final String SIG = "A".repeat(43);

    // --- image decoding bounded by the memory it would take ---

    @Test
    void image_100000000x1_isRefusedFromItsHeader_beforeItsHugeRowsAreAllocated() {
        byte[] png = Fixtures.blackPng(100_000_000, 1);
        assertThat(png.length).as("a few hundred KB on the wire").isLessThan(1_000_000);
        Api.upload(user(), "image", "wide.png", "image/png", png).then().statusCode(413)
                .body("error.code", equalTo("MESSAGE_TOO_LARGE")).body("error.message", containsString("MiB"));
    }

    @Test
    void image_1x100000000_isRefusedFromItsHeader() {
        byte[] png = Fixtures.blackPng(1, 100_000_000);
        assertThat(png.length).isLessThan(1_000_000);
        Api.upload(user(), "image", "tall.png", "image/png", png).then().statusCode(413)
                .body("error.code", equalTo("MESSAGE_TOO_LARGE")).body("error.message", containsString("MiB"));
    }

    @Test
    void largePhoto_stillGetsItsVariants() {
        Media photo = Api.stored(user(), "image", "photo.jpg", Fixtures.image("jpeg", 4000, 3000, false));
        assertThat(photo.width()).isEqualTo(4000);
        assertThat(photo.height()).isEqualTo(3000);
        assertThat(Fixtures.dimensions(Api.download(photo.largeImageDownloadUrl()).asByteArray())).containsExactly(1080,
                810);
    }

    // --- refusals decided from the headers, before the body ---

    @Test
    void upload_withoutOrWithABadToken_isRefused401_atOnce_withoutItsBody_andTheConnectionCloses() {
        for (String authorization : new String[]{null, "Bearer not-a-token", "Basic dXNlcjpwYXNz"}) {
            try (RawHttp http = new RawHttp(base)) {
                // 5 MB announced, not one byte of it sent: the answer cannot wait for the body
                http.send(RawHttp.uploadHead("/v1/media?type=file", authorization, 5_000_000));
                RawHttp.Answer answer = http.read();
                assertThat(answer.status()).isEqualTo(401);
                assertThat(answer.body()).contains("UNAUTHORIZED");
                assertThat(answer.headers()).contains("connection: close");
                await().atMost(Duration.ofSeconds(15)).until(http::closedByServer);
            }
        }
    }

    @Test
    void refusals_overHttp2_reachTheClient_andLeaveTheConnectionToOtherRequests() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> first = h2.send(HttpRequest.newBuilder(URI.create(base + "q/health/live")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(first.version()).as("h2c upgrade").isEqualTo(HttpClient.Version.HTTP_2);
        String boundary = "h2" + UUID.randomUUID();
        byte[] body = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
                + "x".repeat(100_000) + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        for (String authorization : new String[]{"Bearer nonsense", "Bearer " + Tokens.user(user())}) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "v1/media?type=file"))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            HttpResponse<String> answer = h2.send(request.header("Authorization", authorization).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (authorization.equals("Bearer nonsense")) {
                assertThat(answer.statusCode()).isEqualTo(401);
                assertThat(answer.body()).contains("UNAUTHORIZED");
            } else {
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
                assertThat(answer.version()).isEqualTo(HttpClient.Version.HTTP_2);
            }
        }
    }

    @Test
    void aClientThatKeepsSending_afterARefusal_isClosedAfterTheLinger() {
        try (RawHttp http = new RawHttp(base)) {
            http.send(RawHttp.uploadHead("/v1/media?type=file", null, 50_000_000));
            assertThat(http.read().status()).isEqualTo(401);
            long start = System.nanoTime();
            byte[] chunk = new byte[1000];
            // keeps trickling: the server drops it for refusal-linger, then closes
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !http.trySend(chunk) || http.closedByServer());
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isGreaterThanOrEqualTo(config.uploads().refusalLinger().minusMillis(500));
        }
    }

    @Test
    void uploadsBeyondTheUsersConcurrencyLimit_areRateLimited_beforeTheirBody() {
        String user = user();
        String authorization = "Bearer " + Tokens.user(user);
        int max = config.uploads().maxConcurrentPerUser();
        List<RawHttp> open = new ArrayList<>();
        try {
            for (int i = 0; i < max; i++) {
                open.add(new RawHttp(base).send(RawHttp.uploadHead("/v1/media?type=file", authorization, 3_000_000))
                        .send(new byte[10_000]));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> limits.inFlight(user) == max);
            try (RawHttp extra = new RawHttp(base)) {
                extra.send(RawHttp.uploadHead("/v1/media?type=file", authorization, 3_000_000));
                RawHttp.Answer answer = extra.read();
                assertThat(answer.status()).isEqualTo(429);
                assertThat(answer.body()).contains("RATE_LIMITED");
            }
        } finally {
            open.forEach(RawHttp::close);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> limits.inFlight(user) == 0);
        Api.stored(user, "file", "after.txt", "ok".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void uploadsBeyondTheUsersRatePerMinute_areRateLimited() {
        String user = user();
        for (int i = 0; i < config.uploads().perMinute(); i++) {
            // admitted, then refused for the missing file part: each one spends a token
            given().auth().oauth2(Tokens.user(user)).multiPart("type", "file").post("/v1/media").then().statusCode(400);
        }
        Api.upload(user, "file", "a.txt", "text/plain", new byte[]{1}).then().statusCode(429)
                .body("error.code", equalTo("RATE_LIMITED"));
        Api.upload(user(), "file", "a.txt", "text/plain", new byte[]{1}).then().statusCode(201);
    }

    @Test
    void aStalledUploadBody_isCutOff_withAnError_andTheConnectionCloses() {
        String user = user();
        try (RawHttp http = new RawHttp(base)) {
            http.send(RawHttp.uploadHead("/v1/media?type=file", "Bearer " + Tokens.user(user), 1_000_000))
                    .send(new byte[100]);
            RawHttp.Answer answer = http.read(); // arrives once idle-timeout has passed without a byte
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.body()).contains("INVALID_REQUEST").contains("stalled");
            await().atMost(Duration.ofSeconds(15)).until(http::closedByServer);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> limits.inFlight(user) == 0);
    }

    // --- every parameter checked, every refusal catalogued ---

    private RawHttp.Answer rawGet(String path) {
        try (RawHttp http = new RawHttp(base)) {
            return http.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").read();
        }
    }

    @Test
    void malformedDownloadParameters_areInvalidRequest_missingOrWrongSignatureIsForbidden() {
        String id = UUID.randomUUID().toString();
        long exp = System.currentTimeMillis() / 1000 + 60;
        for (String url : List.of("/v1/media/not-a-uuid?exp=" + exp + "&sig=" + SIG,
                "/v1/media/" + id.toUpperCase() + "?exp=" + exp + "&sig=" + SIG,
                "/v1/media/" + id + "%00?exp=" + exp + "&sig=" + SIG,
                "/v1/media/" + id + "?exp=soon&sig=" + SIG,
                "/v1/media/" + id + "?exp=-5&sig=" + SIG,
                "/v1/media/" + id + "?exp=99999999999999999999999&sig=" + SIG,
                "/v1/media/" + id + "?exp=" + exp + "&exp=" + exp + "&sig=" + SIG,
                "/v1/media/" + id + "?exp=" + exp + "&sig=" + SIG + "%00")) {
            given().urlEncodingEnabled(false).get(url).then().statusCode(400)
                    .body("error.code", equalTo("INVALID_REQUEST"));
        }
        // percent-escapes no client library sends, written on the socket: Quarkus refuses a URI that java.net.URI does not
        // parse with a bare 400 before any route runs
        for (String path : List.of("/v1/media/" + id + "?exp=%zz&sig=" + SIG, "/v1/media/" + id + "/thumbnail?exp=%&sig="
                + SIG, "/v1/media/%zz?exp=1&sig=" + SIG)) {
            assertThat(rawGet(path).status()).as(path).isEqualTo(400);
        }
        given().urlEncodingEnabled(false).get("/v1/media/" + id).then().statusCode(403)
                .body("error.code", equalTo("FORBIDDEN"));
        for (String sig : List.of(SIG, "short", "x" + SIG, "not%2Fbase64")) {
            given().urlEncodingEnabled(false).get("/v1/media/" + id + "?exp=" + exp + "&sig=" + sig).then()
                    .statusCode(403).body("error.code", equalTo("FORBIDDEN"));
        }
    }

    @Test
    void malformedRanges_areInvalidRequest_backwardsOnesUnsatisfiable_otherUnitsIgnored() {
        Media media = Api.stored(user(), "file", "r.bin", new byte[1000]);
        String url = Api.local(media.fileDownloadUrl());
        for (String range : List.of("bytes=abc", "bytes=", "bytes=-", "bytes=1-2-3", "0-10", "bytes=0-1,x")) {
            given().urlEncodingEnabled(false).header("Range", range).get(url).then().statusCode(400)
                    .body("error.code", equalTo("INVALID_REQUEST"));
        }
        given().urlEncodingEnabled(false).header("Range", "bytes=5-1").get(url).then().statusCode(416)
                .body("error.code", equalTo("RANGE_NOT_SATISFIABLE"));
        given().urlEncodingEnabled(false).header("Range", "bytes=99999999999999999999999-").get(url).then()
                .statusCode(416);
        given().urlEncodingEnabled(false).header("Range", "pages=1-2").get(url).then().statusCode(200)
                .header("Content-Length", "1000");
    }

    @Test
    void unknownPathsAndMethodsUnderMedia_answerACataloguedError() {
        String id = UUID.randomUUID().toString();
        for (Response response : List.of(given().urlEncodingEnabled(false).get("/v1/media/" + id + "/thumbnail/more"),
                given().urlEncodingEnabled(false).get("/v1/media/" + id + "/original?exp=1&sig=" + SIG),
                given().urlEncodingEnabled(false).delete("/v1/media/" + id),
                given().urlEncodingEnabled(false).post("/v1/media/" + id), given().get("/v1/media"))) {
            assertThat(response.statusCode()).as(response.asString()).isIn(400, 404);
            assertThat(response.jsonPath().getString("error.code")).as(response.asString()).isIn("NOT_FOUND",
                    "INVALID_REQUEST");
        }
    }

    @Test
    void malformedUploadParameters_areInvalidRequest() {
        String token = Tokens.user(user());
        try (RawHttp http = new RawHttp(base)) {
            // refused by Quarkus before any route (see above)
            assertThat(http.send(RawHttp.uploadHead("/v1/media?type=%zz", "Bearer " + token, 100)).read().status())
                    .isEqualTo(400);
        }
        for (String query : List.of("?type=image%00", "?type=IMAGE", "?type=image&type=file", "?type=%ED%A0%80")) {
            Response response = given().urlEncodingEnabled(false).auth().oauth2(token).multiPart("file", "a.png",
                    new byte[]{1}).post("/v1/media" + query);
            assertThat(response.statusCode()).as(query + " " + response.asString()).isEqualTo(400);
            assertThat(response.jsonPath().getString("error.code")).isEqualTo("INVALID_REQUEST");
        }
        given().auth().oauth2(token).contentType("text/plain").body("x").post("/v1/media").then().statusCode(400)
                .body("error.code", equalTo("INVALID_REQUEST"));
    }

    @Test
    void nulAndBadCharactersInTheFileName_areCleanedBeforeTheyReachTheDatabase() {
        String boundary = "nul" + UUID.randomUUID();
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nfile\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''a%00b%E2%80%AEc%ED%A0%80.txt\r\n"
                + "Content-Type: text/plain\r\n\r\nhello\r\n--" + boundary + "--\r\n";
        Response response = given().auth().oauth2(Tokens.user(user()))
                .contentType("multipart/form-data; boundary=" + boundary).body(body.getBytes(StandardCharsets.UTF_8))
                .post("/v1/media");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(201);
        String fileName = response.jsonPath().getString("fileName");
        assertThat(fileName).doesNotContain("\u0000").doesNotContain("\u202E").startsWith("ab").endsWith(".txt");
        String id = response.jsonPath().getString("mediaId");
        Media looked = JsonCodec.decode(
                given().auth().oauth2(Tokens.service("gateway-service")).get("/v1/internal/media/" + id).then().statusCode(200)
                        .extract().asString(),
                Media.class);
        assertThat(looked.fileName()).isEqualTo(fileName);
    }
}
