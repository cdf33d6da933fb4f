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
    void messageIds_areTimeOrdered() {
        String earlier = MessageIds.next(1_000);
        String later = MessageIds.next(2_000);

        assertThat(earlier).isLessThan(later);
        assertThat(MessageIds.timestampOf(later)).isEqualTo(2_000);
    }
}
