package im.media;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

import im.protocol.Media;
import im.testkit.S3Resource;

/** The same round trip on the S3 back end, against a real S3-compatible server (S3Proxy as a child process). */
@QuarkusTest
@TestProfile(MediaS3Test.S3Profile.class)
class MediaS3Test {

    /** Storage in an S3 bucket; uploads still stream through a local temp directory. */
    public static class S3Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("im.media.storage-dir", "target/media-s3-test");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(S3Resource.class));
        }
    }

    @Test
    void upload_download_andRanges_roundTripThroughTheBucket() {
        byte[] bytes = new byte[300_000];
        new Random(3).nextBytes(bytes);
        Media media = Api.stored("s3-user", "file", "blob.bin", bytes);
        String url = Api.local(media.fileDownloadUrl());

        assertThat(Api.download(media.fileDownloadUrl()).then().statusCode(200).extract().asByteArray()).isEqualTo(bytes);
        Response part = given().urlEncodingEnabled(false).header("Range", "bytes=100000-100099").get(url);
        part.then().statusCode(206).header("Content-Range", "bytes 100000-100099/300000");
        assertThat(part.asByteArray()).isEqualTo(Arrays.copyOfRange(bytes, 100_000, 100_100));
        Response suffix = given().urlEncodingEnabled(false).header("Range", "bytes=-10").get(url);
        assertThat(suffix.asByteArray()).isEqualTo(Arrays.copyOfRange(bytes, 299_990, 300_000));
        given().urlEncodingEnabled(false).header("Range", "bytes=300000-").get(url).then().statusCode(416)
                .header("Content-Range", "bytes */300000");
    }

    @Test
    void imageVariants_areStoredInTheBucket() {
        Media media = Api.stored("s3-user", "image", "wide.jpg", Fixtures.image("jpeg", 2400, 1200, false));
        assertThat(Fixtures.dimensions(Api.download(media.thumbnailDownloadUrl()).asByteArray())).containsExactly(200,
                100);
        assertThat(Fixtures.dimensions(Api.download(media.largeImageDownloadUrl()).asByteArray())).containsExactly(1080,
                540);
    }

    @Test
    void readiness_includesTheBucket() {
        given().get("/q/health/ready").then().statusCode(200).body(Matchers.containsString("s3:"));
    }
}
