package im.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class JsonCodecTest {

    @Test
    void message_isFlat_andRoundTrips() {
        Message message = new Message("m1", "c1", 7L, 5L, new Sender("alice", "Alice"), 1000L, Priority.HIGH,
                new Mentions(List.of("bob"), false), null, MessageContent.text("hi"));

        String json = JsonCodec.encode(message);

        assertThat(json).contains("\"type\":\"text\"", "\"text\":\"hi\"", "\"orderKey\":7", "\"priority\":\"high\"")
                .doesNotContain("content", "null");
        assertThat(JsonCodec.decode(json, Message.class)).isEqualTo(message);
    }

    @Test
    void decode_ignoresUnknownFields() {
        ClientFrame frame = JsonCodec.decode("{\"op\":\"ping\",\"id\":\"1\",\"future\":{\"x\":1}}", ClientFrame.class);

        assertThat(frame.op()).isEqualTo("ping");
        assertThat(frame.id()).isEqualTo("1");
    }

    @Test
    void decode_refusesMalformedJson_withInvalidRequest() {
        assertThatThrownBy(() -> JsonCodec.decode("{\"op\":", ClientFrame.class))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
        assertThatThrownBy(() -> JsonCodec.decode("[1,2]", ClientFrame.class))
                .isInstanceOf(ProtocolException.class);
        ClientFrame unknownType = JsonCodec.decode("{\"op\":\"send\",\"id\":\"7\",\"message\":{\"type\":\"nonsense\"}}",
                ClientFrame.class);
        assertThat(unknownType.id()).as("readable enough to answer the request").isEqualTo("7");
        assertThat(unknownType.message().type()).isNull();
    }

    @Test
    void decode_refusesNul_andUnpairedSurrogates_inEveryString() {
        for (String json : List.of(
                "{\"op\":\"send\",\"id\":\"1\",\"message\":{\"type\":\"text\",\"text\":\"a\\u0000b\"}}",
                "{\"op\":\"send\",\"id\":\"1\",\"message\":{\"type\":\"text\",\"text\":\"a\\ud800b\"}}",
                "{\"op\":\"send\",\"id\":\"1\",\"message\":{\"type\":\"text\",\"text\":\"a\\udc00\"}}",
                "{\"op\":\"send\",\"id\":\"1\",\"clientMsgId\":\"\\u0000\"}",
                "{\"op\":\"send\",\"id\":\"1\",\"toUserIds\":[\"a\\u0000\"]}",
                "{\"op\":\"send\",\"id\":\"1\",\"mentions\":{\"userIds\":[\"x\\u0000\"]}}")) {
            assertThatThrownBy(() -> JsonCodec.decode(json, ClientFrame.class)).as(json)
                    .isInstanceOfSatisfying(ProtocolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
            assertThat(JsonCodec.requestIdOf(json)).as("a refusal still names the request").isEqualTo("1");
        }
        ClientFrame emoji = JsonCodec.decode(
                "{\"op\":\"send\",\"message\":{\"type\":\"text\",\"text\":\"\\ud83d\\ude00\"}}", ClientFrame.class);
        assertThat(emoji.message().text()).isEqualTo("\ud83d\ude00");
    }

    @Test
    void decode_refusesNullInsideLists() {
        assertThatThrownBy(() -> JsonCodec.decode("{\"v\":1,\"kind\":\"user\",\"nodeId\":\"n\",\"slot\":0,\"epoch\":1,"
                + "\"userId\":\"u\",\"rooms\":[null],\"at\":1}", Presence.class))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> JsonCodec.decode("{\"v\":1,\"nodeId\":\"n\",\"conversationKey\":\"room/r\","
                + "\"userIds\":[null]}", Delivery.class)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void decode_refusesUnknownPriority_butNotAMissingOne() {
        assertThatThrownBy(() -> JsonCodec.decode("{\"op\":\"send\",\"id\":\"9\",\"priority\":\"urgent\"}",
                ClientFrame.class)).isInstanceOf(ProtocolException.class).hasMessageContaining("priority");
        assertThat(JsonCodec.decode("{\"op\":\"send\",\"priority\":\"high\"}", ClientFrame.class).priority())
                .isEqualTo(Priority.HIGH);
        assertThat(JsonCodec.decode("{\"op\":\"send\"}", ClientFrame.class).priority()).isNull();
        assertThat(JsonCodec.encode(Priority.MEDIUM)).isEqualTo("\"medium\"");
    }

    @Test
    void mentions_withoutAll_meanNotAll() {
        ClientFrame frame = JsonCodec.decode("{\"op\":\"send\",\"mentions\":{\"userIds\":[\"bob\"]}}", ClientFrame.class);

        assertThat(frame.mentions().all()).isFalse();
        assertThat(frame.mentions().userIds()).containsExactly("bob");
    }

    @Test
    void messageIds_areTimeOrdered() {
        String earlier = MessageIds.next(1_000);
        String later = MessageIds.next(2_000);

        assertThat(earlier).isLessThan(later);
        assertThat(MessageIds.timestampOf(later)).isEqualTo(2_000);
    }

    /** Found by GatewayFuzzTest: 400 nested combines overflowed the event loop's stack and the socket closed with 1011. */
    @Test
    void deeplyNestedCombines_areRefused_insteadOfOverflowingTheStack() {
        String combine = "{\"type\":\"combine\",\"title\":\"t\",\"messages\":[";
        String deep = "{\"op\":\"send\",\"id\":\"deep\",\"message\":" + combine.repeat(2_000)
                + "{\"type\":\"text\",\"text\":\"x\"}" + "]}".repeat(2_000) + "}";

        assertThatThrownBy(() -> JsonCodec.decode(deep, ClientFrame.class))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST))
                .hasMessageContaining("nesting depth");
        assertThat(JsonCodec.requestIdOf(deep)).isEqualTo("deep");

        String nested = "{\"op\":\"send\",\"message\":" + combine.repeat(20) + "{\"type\":\"text\",\"text\":\"x\"}"
                + "]}".repeat(20) + "}";
        assertThat(JsonCodec.decode(nested, ClientFrame.class).message().messages()).hasSize(1);
    }
}
