package im.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class DeliveryReaderTest {

    private static DeliveryReader.Parsed read(String timestamp) {
        String json = "{\"v\":1,\"nodeId\":\"gw-1\",\"conversationKey\":\"peer/a,b\",\"userIds\":[\"b\"],"
                + "\"excludeSessionId\":\"s-1\",\"message\":{\"messageId\":\"m1\",\"type\":\"text\",\"text\":\"hi\","
                + "\"timestamp\":" + timestamp + ",\"orderKey\":7}}";
        return DeliveryReader.read(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theMessagesTimestamp_isReadOnTheWay_forTheAdmissionsPipelineDelay() {
        DeliveryReader.Parsed delivery = read("1764806400000");
        assertThat(delivery.sentAt()).isEqualTo(1_764_806_400_000L);
        assertThat(delivery.excludeSessionId()).isEqualTo("s-1");
        assertThat(delivery.message().json()).contains("\"timestamp\":1764806400000");
    }

    @Test
    void aTimestampNoLongHolds_orOneThatIsNotANumber_isNoAge_andTheMessageIsStillPushed() {
        DeliveryReader.Parsed huge = read("123456789012345678901234567890");
        assertThat(huge.sentAt()).isZero();
        assertThat(huge.message().json()).contains("123456789012345678901234567890");
        assertThat(read("1.5").sentAt()).isZero();
        assertThat(read("\"soon\"").sentAt()).isZero();
        assertThat(read("-5").sentAt()).isEqualTo(-5);
    }
}
