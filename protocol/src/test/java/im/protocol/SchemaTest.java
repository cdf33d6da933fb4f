package im.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/** Every topic's value, as the codec writes it, satisfies the JSON Schema that operators and backends read. */
class SchemaTest {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private static Set<ValidationMessage> validate(String schema, Object value) {
        return validate(schema, JsonCodec.tree(JsonCodec.encode(value)));
    }

    private static Set<ValidationMessage> validate(String schema, JsonNode node) {
        JsonSchema jsonSchema = FACTORY.getSchema(SchemaLocation.of("classpath:im/protocol/schema/" + schema));
        return jsonSchema.validate(node);
    }

    @Test
    void envelope_matchesItsSchema() {
        assertThat(validate("message-envelope.v1.json", Samples.envelope("alice", "bob"))).isEmpty();
    }

    @Test
    void delivery_matchesItsSchema() {
        assertThat(validate("delivery.v1.json", Samples.delivery())).isEmpty();
    }

    @Test
    void presence_matchesItsSchema() {
        assertThat(validate("presence.v1.json", Samples.nodePresence())).isEmpty();
        assertThat(validate("presence.v1.json", Samples.userPresence())).isEmpty();
    }

    @Test
    void membership_matchesItsSchema() {
        assertThat(validate("membership.v1.json", Samples.group())).isEmpty();
        assertThat(validate("membership.v1.json", Samples.member())).isEmpty();
    }

    @Test
    void broadcast_matchesItsSchema() {
        assertThat(validate("broadcast.v1.json", Samples.broadcast())).isEmpty();
    }

    @Test
    void media_matchesItsSchema() {
        assertThat(validate("media.v1.json", Samples.media())).isEmpty();
    }

    @Test
    void schemas_catchBrokenRecords() {
        ObjectNode envelope = (ObjectNode) JsonCodec.tree(JsonCodec.encode(Samples.envelope("alice", "bob")));
        envelope.put("v", 2);
        envelope.put("conversationKey", "chat/alice");
        ((ObjectNode) envelope.get("message")).put("type", "sticker");
        envelope.remove("sender");

        Set<ValidationMessage> errors = validate("message-envelope.v1.json", envelope);

        assertThat(errors).extracting(ValidationMessage::getInstanceLocation).extracting(Object::toString)
                .contains("$.v", "$.conversationKey", "$.message.type");
        assertThat(errors).anyMatch(e -> e.getMessage().contains("sender"));
    }
}
