package im.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.imageio.ImageIO;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import im.protocol.ClientFrame;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageType;
import im.protocol.SendRequest;
import im.protocol.ServerFrames.Ack;
import im.protocol.Topics;
import im.testkit.Tokens;
import im.testkit.TopicProbe;
import im.testkit.WsClient;

/**
 * Media through the real pipeline with the packaged services: an image uploaded through the gateway's base URL, sent as a
 * message by its mediaId from one gateway node, delivered on the other with signed URLs and measured facts filled in, and
 * downloaded through those URLs; another user's upload, a wrong type and an unknown id refused; external URLs pass; a
 * recalled media message's files GONE for every URL; an expired URL renewed through the gateway.
 */
class MediaIT {
    private static final String BOUNDARY = "im-media-it-boundary";
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = Stack.get();
    }

    @Test
    void anUploadedImage_isSentByItsId_deliveredWithSignedUrls_andDownloadable() throws Exception {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        JsonNode upload = upload(alice, "image", "holiday.png", png(1600, 1200));
        assertThat(upload.get("mimeType").asText()).isEqualTo("image/png");
        assertThat(upload.get("width").asInt()).isEqualTo(1600);
        String mediaId = upload.get("mediaId").asText();

        try (WsClient a = stack.connect(1, alice);
                WsClient b = stack.connect(2, bob);
                TopicProbe media = TopicProbe.fromEnd(stack.kafka.bootstrapServers(), Topics.MEDIA)) {
            stack.awaitPresence(bob, 1);
            Ack ack = a.request(send(bob, media(MessageType.IMAGE, mediaId, null)));
            assertThat(ack.isSuccess()).as(String.valueOf(ack.error())).isTrue();

            Message delivered = b.awaitMessages(1).get(0);
            MessageContent content = delivered.content();
            assertThat(content.type()).isEqualTo(MessageType.IMAGE);
            assertThat(content.mediaId()).isEqualTo(mediaId);
            assertThat(content.width()).isEqualTo(1600);
            assertThat(content.height()).isEqualTo(1200);
            assertThat(content.mimeType()).isEqualTo("image/png");
            assertThat(content.fileName()).isEqualTo("holiday.png");
            assertThat(content.fileSize()).isEqualTo(upload.get("fileSize").asLong());
            assertThat(content.fileDownloadUrl()).startsWith(stack.gateway(1) + "/v1/media/" + mediaId);

            HttpResponse<byte[]> thumbnail = get(content.thumbnailDownloadUrl(), null);
            assertThat(thumbnail.statusCode()).isEqualTo(200);
            BufferedImage small = ImageIO.read(new ByteArrayInputStream(thumbnail.body()));
            assertThat(Math.max(small.getWidth(), small.getHeight())).isEqualTo(200);
            HttpResponse<byte[]> large = get(content.largeImageDownloadUrl(), null);
            assertThat(ImageIO.read(new ByteArrayInputStream(large.body())).getWidth()).isEqualTo(1080);

            HttpResponse<byte[]> range = get(content.fileDownloadUrl(), "bytes=0-7");
            assertThat(range.statusCode()).isEqualTo(206);
            assertThat(range.body()).containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
            HttpResponse<byte[]> tampered = get(content.fileDownloadUrl().replace("sig=", "sig=x"), null);
            assertThat(tampered.statusCode()).isEqualTo(403);
        }
    }

    @Test
    void anImageSentBeforeAText_isWrittenBeforeIt_theLookUpHoldsTheTextBack() throws Exception {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        String mediaId = upload(alice, "image", "first.png", png(64, 48)).get("mediaId").asText();
        try (WsClient a = stack.connect(1, alice)) {
            for (int i = 0; i < 5; i++) {
                String image = a.send(send(bob, media(MessageType.IMAGE, mediaId, null)));
                String text = a.send(send(bob, MessageContent.text("after the image " + i)));
                long imageOrder = ackOf(a, image).orderKey();
                long textOrder = ackOf(a, text).orderKey();
                assertThat(imageOrder).as("the session's order").isLessThan(textOrder);
            }
        }
    }

    private static Ack ackOf(WsClient ws, String id) {
        Ack ack = JsonCodec.mapper().convertValue(ws.awaitFrame(f -> "ack".equals(WsClient.text(f, "op"))
                && id.equals(WsClient.text(f, "id"))), Ack.class);
        assertThat(ack.isSuccess()).as(String.valueOf(ack.error())).isTrue();
        return ack;
    }

    @Test
    void mediaMessages_areRefused_forAnotherUsersUpload_aWrongType_orAnUnknownId() throws Exception {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        String mediaId = upload(alice, "image", "a.png", png(40, 30)).get("mediaId").asText();
        try (WsClient b = stack.connect(1, bob); WsClient a = stack.connect(2, alice)) {
            assertThat(b.request(send(alice, media(MessageType.IMAGE, mediaId, null))).error().code())
                    .isEqualTo(ErrorCode.FORBIDDEN.name());
            assertThat(a.request(send(bob, media(MessageType.FILE, mediaId, null))).error().code())
                    .isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE.name());
            assertThat(a.request(send(bob, media(MessageType.IMAGE, UUID.randomUUID().toString(), null))).error().code())
                    .isEqualTo(ErrorCode.NOT_FOUND.name());
        }
    }

    @Test
    void aFileHeldElsewhere_passesThroughWithItsUrls() {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        String url = "https://cdn.example.com/reports/q3.pdf";
        try (WsClient a = stack.connect(1, alice); WsClient b = stack.connect(2, bob)) {
            stack.awaitPresence(bob, 1);
            assertThat(a.request(send(bob, media(MessageType.FILE, null, url))).isSuccess()).isTrue();
            MessageContent content = b.awaitMessages(1).get(0).content();
            assertThat(content.fileDownloadUrl()).isEqualTo(url);
            assertThat(content.mediaId()).isNull();
        }
    }

    @Test
    void uploadsAreRefused_withoutAToken_andWithContentThatIsNotTheirType() throws Exception {
        HttpResponse<String> anonymous = post(null, "image", "a.png", png(10, 10));
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(JsonCodec.tree(anonymous.body()).at("/error/code").asText()).isEqualTo("UNAUTHORIZED");
        HttpResponse<String> spoofed = post(Stack.user("mallory"), "image", "cat.jpg",
                "MZ this is not a picture".getBytes(StandardCharsets.UTF_8));
        assertThat(spoofed.statusCode()).isEqualTo(415);
        assertThat(JsonCodec.tree(spoofed.body()).at("/error/code").asText()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
    }

    @Test
    void aRecalledMediaMessage_leavesEveryUrlOfItsUploadGone_andNoneIsRenewed() throws Exception {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        String mediaId = upload(alice, "image", "oops.png", png(64, 48)).get("mediaId").asText();

        try (WsClient a = stack.connect(1, alice);
                WsClient b = stack.connect(2, bob);
                TopicProbe media = TopicProbe.fromEnd(stack.kafka.bootstrapServers(), Topics.MEDIA)) {
            stack.awaitPresence(bob, 1);
            Ack ack = a.request(send(bob, media(MessageType.IMAGE, mediaId, null)));
            assertThat(ack.isSuccess()).as(String.valueOf(ack.error())).isTrue();
            MessageContent content = b.awaitMessages(1).get(0).content();
            assertThat(get(content.fileDownloadUrl(), null).statusCode()).isEqualTo(200);

            Ack recalled = a.request(JsonCodec.decode(JsonCodec.encode(Map.of("op", "revoke", "to",
                    Map.of("type", "peer", "id", bob), "messageId", ack.messageId())), ClientFrame.class));
            assertThat(recalled.isSuccess()).as(String.valueOf(recalled.error())).isTrue();

            // the chain: gateway → im.messages.reliable → history (applies the recall) → im.media → media's withdrawals
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> get(content.fileDownloadUrl(), null).statusCode() == 410);
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("the upload of a recalled message still downloads; history has the message as "
                        + storedAs(bob, alice, ack.messageId()) + "; group history: " + stack.groupLag("history")
                        + " group media-withdrawals: " + stack.groupLag("media-withdrawals") + " history ready: "
                        + stack.readiness("history") + " media ready: " + stack.readiness("media") + "\nim.media since the "
                        + "send (the withdrawal of " + mediaId + " should be there): " + media.drain().stream()
                                .map(r -> r.partition() + "@" + r.offset() + " " + r.key() + " " + r.value()).toList()
                        + "\nmedia's withdrawals: " + stack.metricLines("media", "im_media_withdrawals_total") + "\n"
                        + stack.loopState("media", "withdrawals"), e);
            }
            for (String url : List.of(content.fileDownloadUrl(), content.thumbnailDownloadUrl(),
                    content.largeImageDownloadUrl())) {
                HttpResponse<byte[]> gone = get(url, null);
                assertThat(gone.statusCode()).as(url).isEqualTo(410);
                assertThat(JsonCodec.tree(new String(gone.body(), StandardCharsets.UTF_8)).at("/error/code").asText())
                        .isEqualTo("GONE");
            }
            URI renew = URI.create(stack.gateway(2) + "/v1/media/" + mediaId + "/urls?"
                    + URI.create(content.fileDownloadUrl()).getRawQuery());
            assertThat(Stack.HTTP.send(HttpRequest.newBuilder(renew).header("Authorization", "Bearer " + Tokens.user(bob))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(410);
        }
    }

    @Test
    void anExpiredUrl_isRenewedThroughTheGateway_withABearerToken() throws Exception {
        String alice = Stack.user("alice");
        byte[] bytes = "minutes of last week's meeting".getBytes(StandardCharsets.UTF_8);
        String mediaId = upload(alice, "file", "minutes.txt", bytes).get("mediaId").asText();
        // what history holds a week later: the URL media signed then, authentic and expired
        long exp = System.currentTimeMillis() / 1000 - 3600;
        String expired = stack.gateway(2) + "/v1/media/" + mediaId + "?exp=" + exp + "&sig=" + sign(mediaId, "original", exp);

        HttpResponse<byte[]> alone = get(expired, null);
        assertThat(alone.statusCode()).isEqualTo(403);
        HttpResponse<String> redirect = Stack.HTTP.send(HttpRequest.newBuilder(URI.create(expired))
                .header("Authorization", "Bearer " + Tokens.user("someone-in-the-chat")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(redirect.statusCode()).as(redirect.body()).isEqualTo(302);
        String fresh = redirect.headers().firstValue("Location").orElseThrow();
        assertThat(fresh).startsWith(stack.gateway(1) + "/v1/media/" + mediaId + "?exp=");
        assertThat(get(fresh, null).body()).isEqualTo(bytes);

        HttpResponse<String> urls = Stack.HTTP.send(HttpRequest.newBuilder(URI.create(stack.gateway(2) + "/v1/media/"
                + mediaId + "/urls?exp=" + exp + "&sig=" + sign(mediaId, "original", exp)))
                .header("Authorization", "Bearer " + Tokens.user("someone-in-the-chat")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(urls.statusCode()).as(urls.body()).isEqualTo(200);
        assertThat(get(JsonCodec.tree(urls.body()).get("fileDownloadUrl").asText(), null).body()).isEqualTo(bytes);
    }

    /** media-service's signature of a download URL (its README): base64url(HMAC-SHA256(url-secret, id/variant/exp)). */
    private static String sign(String mediaId, String variant, long exp) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Stack.MEDIA_URL_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal((mediaId + "/" + variant + "/" + exp).getBytes(StandardCharsets.UTF_8)));
    }

    private static ClientFrame send(String to, MessageContent content) {
        return ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.PEER, to), content,
                UUID.randomUUID().toString(), null, null, null, null));
    }

    private static MessageContent media(MessageType type, String mediaId, String url) {
        return MessageContent.media(type, mediaId, url);
    }

    private static JsonNode upload(String userId, String type, String fileName, byte[] content) throws Exception {
        HttpResponse<String> response = post(userId, type, fileName, content);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JsonCodec.tree(response.body());
    }

    /** A multipart upload through gateway 1, as an app sends it: the type field first, then the file. */
    private static HttpResponse<String> post(String userId, String type, String fileName, byte[] content)
            throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n" + type + "\r\n--" + BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stack.gateway(1) + "/v1/media"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (userId != null) {
            request.header("Authorization", "Bearer " + Tokens.user(userId));
        }
        return Stack.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<byte[]> get(String url, String range) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (range != null) {
            request.header("Range", range);
        }
        return Stack.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] png(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLUE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** How history answers {@code userId} about one message of the peer conversation with {@code otherId}. */
    private static String storedAs(String userId, String otherId, String messageId) {
        try {
            HttpResponse<String> response = Stack.HTTP.send(HttpRequest.newBuilder(URI.create(stack.gateway(1)
                    + "/v1/conversations/peer/" + otherId + "/messages?limit=100"))
                    .header("Authorization", "Bearer " + Tokens.user(userId)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return "(history answered " + response.statusCode() + ")";
            }
            for (JsonNode message : JsonCodec.tree(response.body()).get("messages")) {
                if (messageId.equals(message.path("messageId").asText())) {
                    return message.toString();
                }
            }
            return "(not stored)";
        } catch (Exception e) {
            return "(history not asked: " + e + ")";
        }
    }
}
