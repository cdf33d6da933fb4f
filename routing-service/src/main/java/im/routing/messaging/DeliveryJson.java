package im.routing.messaging;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonGenerator;

import im.protocol.Delivery;
import im.protocol.JsonCodec;

/**
 * Writes a delivery record (schema {@code delivery.v1.json}) around a message encoded once: a message that goes to
 * several nodes (a group, a room, both users of a peer conversation on different nodes) costs one encoding, not one per
 * node.
 */
final class DeliveryJson {

    private DeliveryJson() {
    }

    /** The message's JSON, to be shared by every delivery of it. */
    static String message(Delivery delivery) {
        return delivery.message() == null ? null : JsonCodec.encode(delivery.message());
    }

    /** The delivery's JSON with {@code messageJson} (from {@link #message}) as its message. */
    static byte[] write(Delivery delivery, String messageJson) {
        if (delivery.message() == null) {
            return JsonCodec.encodeBytes(delivery);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(messageJson.length() + 160);
        try (JsonGenerator json = JsonCodec.mapper().getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeNumberField("v", delivery.v());
            json.writeStringField("nodeId", delivery.nodeId());
            json.writeStringField("conversationKey", delivery.conversationKey());
            if (delivery.userIds() != null) {
                json.writeArrayFieldStart("userIds");
                for (String userId : delivery.userIds()) {
                    json.writeString(userId);
                }
                json.writeEndArray();
            }
            if (delivery.roomId() != null) {
                json.writeStringField("roomId", delivery.roomId());
            }
            if (delivery.excludeSessionId() != null) {
                json.writeStringField("excludeSessionId", delivery.excludeSessionId());
            }
            json.writeFieldName("message");
            json.writeRawValue(messageJson);
            if (Boolean.TRUE.equals(delivery.replay())) {
                json.writeBooleanField("replay", true);
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
