package im.media;

import static io.restassured.RestAssured.given;

import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.assertj.core.api.Assertions;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import im.protocol.JsonCodec;
import im.protocol.Media;
import im.testkit.Tokens;

/** Uploads and downloads as an app makes them (multipart with a bearer token; signed URLs). */
final class Api {

    private Api() {
    }

    /** Uploads {@code bytes} with the field {@code type} before the file part, as the protocol describes. */
    static Response upload(String user, String type, String fileName, String contentType, byte[] bytes) {
        RequestSpecification request = given().auth().oauth2(Tokens.user(user));
        if (type != null) {
            request = request.multiPart("type", type);
        }
        return request.multiPart("file", fileName, bytes, contentType).post("/v1/media");
    }

    /** Uploads and expects 201. */
    static Media stored(String user, String type, String fileName, byte[] bytes) {
        Response response = upload(user, type, fileName, "application/octet-stream", bytes);
        Assertions.assertThat(response.statusCode()).as(response.asString()).isEqualTo(201);
        return JsonCodec.decode(response.asString(), Media.class);
    }

    /** Path and query of a signed URL, for this test's server (the URL's base is the gateway's). */
    static String local(String url) {
        URI uri = URI.create(url);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    /** GET of a signed URL. */
    static Response download(String url) {
        return given().urlEncodingEnabled(false).get(local(url));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
