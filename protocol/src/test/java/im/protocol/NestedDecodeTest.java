package im.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NestedDecodeTest {

    @Test
    void delivery_roundTrips_withItsFlatMessage() {
        Delivery delivery = Samples.delivery();
        String json = JsonCodec.encode(delivery);
        assertThat(JsonCodec.decode(json, Delivery.class)).isEqualTo(delivery);
    }
}
