package im.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
        Envelope tips = Samples.envelope("alice", "bob")
                .withMessage(MessageContent.tips(GroupEvent.MEMBERS_REMOVED.wireName(), "alice", List.of("bob")));
        assertThat(validate("message-envelope.v1.json", tips)).isEmpty();
        assertThat(validate("message-envelope.v1.json",
                tips.withMessage(MessageContent.tips("membersRemoved", "alice", List.of("bad id"))))).isNotEmpty();
    }

    @Test
    void actionEnvelopes_matchTheEnvelopeSchema() {
        Envelope message = Samples.envelope("alice", "bob");
        Envelope revoke = new Envelope(1, message.messageId(), null, message.conversationKey(), message.to(), message.sender(),
                message.timestamp(), null, null, null, null, message.origin(), null, Action.revoke(message.messageId()));
        Envelope receipt = new Envelope(1, message.messageId(), null, message.conversationKey(), message.to(),
                message.sender(), message.timestamp(), null, null, null, null, null, null, Action.receipt(41, Action.READ));

        assertThat(validate("message-envelope.v1.json", revoke)).isEmpty();
        assertThat(validate("message-envelope.v1.json", receipt)).isEmpty();
        assertThat(JsonCodec.tree(JsonCodec.encode(receipt)).get("action").fieldNames())
                .toIterable().containsExactlyInAnyOrder("type", "orderKey", "kind");
    }

    @Test
    void conversationChangedActionsAndDeliveries_matchTheirSchemas() {
        Envelope message = Samples.envelope("alice", "bob");
        ConversationChanged.Mention mention = new ConversationChanged.Mention("m-1", 3, "alice", true);
        Envelope changed = new Envelope(1, message.messageId(), null, message.conversationKey(), message.to(),
                message.sender(), message.timestamp(), null, null, null, null, null, null,
                Action.conversationChanged(new ConversationChanged(Samples.message(), 5L, List.of(
                        new ConversationChanged.UserState("alice", 0, List.of(), null),
                        new ConversationChanged.UserState("bob", 2, List.of(mention), 7L)))));
        Delivery delivery = new Delivery(1, "gw-1", "peer/alice,bob", List.of("bob"), null, null, null, null, null, null,
                new Delivery.ConversationState(Samples.message(), 5L, 2, List.of(mention), 7L));
        Delivery cleared = new Delivery(1, "gw-1", "peer/alice,bob", List.of("bob"), null, null, null, null, null, null,
                new Delivery.ConversationState(null, 5L, 0, List.of(), null));

        assertThat(validate("message-envelope.v1.json", changed)).isEmpty();
        assertThat(validate("delivery.v1.json", delivery)).isEmpty();
        assertThat(validate("delivery.v1.json", cleared)).isEmpty();
        ObjectNode noUsers = (ObjectNode) JsonCodec.tree(JsonCodec.encode(changed));
        ((ObjectNode) noUsers.get("action").get("changed")).putArray("users");
        assertThat(validate("message-envelope.v1.json", noUsers)).isNotEmpty();
    }

    @Test
    void envelopeSchema_wantsExactlyOneOfMessageAndAction_andWhatTheActionNeeds() {
        ObjectNode both = (ObjectNode) JsonCodec.tree(JsonCodec.encode(Samples.envelope("alice", "bob")));
        both.putObject("action").put("type", "revoke").put("messageId", "m-1");
        ObjectNode neither = both.deepCopy();
        neither.remove("message");
        neither.remove("action");
        ObjectNode receiptWithoutKind = neither.deepCopy();
        receiptWithoutKind.putObject("action").put("type", "receipt").put("orderKey", 3);

        assertThat(validate("message-envelope.v1.json", both)).isNotEmpty();
        assertThat(validate("message-envelope.v1.json", neither)).isNotEmpty();
        assertThat(validate("message-envelope.v1.json", receiptWithoutKind)).isNotEmpty();
    }

    @Test
    void revokedAndReceiptDeliveries_matchTheDeliverySchema() {
        Delivery revoked = new Delivery(1, "gw-1", "peer/alice,bob", List.of("bob"), null, null, null,
                new Delivery.Revoked("m-1", "alice"), null);
        Delivery receipt = new Delivery(1, "gw-1", "peer/alice,bob", List.of("alice"), null, null, null, null,
                new Delivery.Receipt(41, "bob", Action.READ));
        Delivery tombstone = new Delivery(1, "gw-1", "peer/alice,bob", List.of("bob"), null, null,
                Samples.message().recalled());

        assertThat(validate("delivery.v1.json", revoked)).isEmpty();
        assertThat(validate("delivery.v1.json", receipt)).isEmpty();
        assertThat(validate("delivery.v1.json", tombstone)).isEmpty();
    }

    @Test
    void deadLetterHeaders_matchTheirSchema_andNeedTheirOrigin() {
        ObjectNode headers = JsonCodec.mapper().createObjectNode().put(RecordHeaders.ERROR, "INVALID_REQUEST")
                .put(RecordHeaders.ERROR_DETAIL, "not an envelope").put(RecordHeaders.ORIGIN_TOPIC, Topics.MESSAGES_RELIABLE)
                .put(RecordHeaders.ORIGIN_PARTITION, "3").put(RecordHeaders.ORIGIN_OFFSET, "1204")
                .put(RecordHeaders.DEAD_LETTERED_BY, "history-service/reliable");
        ObjectNode broken = headers.deepCopy().put(RecordHeaders.ERROR, "OOPS").put(RecordHeaders.ORIGIN_OFFSET, "-1");
        broken.remove(RecordHeaders.ORIGIN_TOPIC);

        assertThat(validate("dlq.v1.json", headers)).isEmpty();
        assertThat(validate("dlq.v1.json", broken)).hasSize(3);
    }

    @Test
    void deadLetterSchema_namesEveryErrorCode_andEveryTopicButItself() throws Exception {
        JsonNode schema = JsonCodec.mapper().readTree(SchemaTest.class.getResource("schema/dlq.v1.json"));
        JsonNode properties = schema.get("properties");

        assertThat(properties.get(RecordHeaders.ERROR).get("enum")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(Arrays.stream(ErrorCode.values()).map(ErrorCode::name).toArray(String[]::new));
        assertThat(properties.get(RecordHeaders.ORIGIN_TOPIC).get("enum")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrderElementsOf(Topics.specs(1, 1).stream().map(Topics.Spec::name)
                        .filter(name -> !name.equals(Topics.DLQ)).toList());
    }

    @Test
    void delivery_matchesItsSchema() {
        assertThat(validate("delivery.v1.json", Samples.delivery())).isEmpty();
    }

    @Test
    void presence_matchesItsSchema() {
        assertThat(validate("presence.v1.json", Samples.nodePresence())).isEmpty();
        assertThat(validate("presence.v1.json", Samples.userPresence())).isEmpty();
        assertThat(validate("presence.v1.json", Samples.statusPresence())).isEmpty();
    }

    @Test
    void membership_matchesItsSchema() {
        assertThat(validate("membership.v1.json", Samples.group())).isEmpty();
        assertThat(validate("membership.v1.json", Samples.member())).isEmpty();
        assertThat(validate("membership.v1.json",
                Membership.group("g1", "Friends", "alice", "hello", "https://x/a.png", Map.of("k", "v"), 1L))).isEmpty();
        assertThat(validate("membership.v1.json", Membership.member("g1", "bob", Membership.ROLE_ADMIN, 1L))).isEmpty();
        assertThat(validate("membership.v1.json", Membership.member("g1", "bob", "king", 1L))).isNotEmpty();
    }

    @Test
    void broadcast_matchesItsSchema() {
        assertThat(validate("broadcast.v1.json", Samples.broadcast())).isEmpty();
        UserKick kick = UserKick.of("alice", "ops", 1_700_000_000_000L);
        assertThat(validate("broadcast.v1.json", kick)).isEmpty();
        ObjectNode broadcastWithEvent = (ObjectNode) JsonCodec.tree(JsonCodec.encode(Samples.broadcast()));
        broadcastWithEvent.put("event", "kick");
        assertThat(validate("broadcast.v1.json", broadcastWithEvent)).isNotEmpty();
        ObjectNode kickWithoutUser = (ObjectNode) JsonCodec.tree(JsonCodec.encode(kick));
        kickWithoutUser.remove("userId");
        assertThat(validate("broadcast.v1.json", kickWithoutUser)).isNotEmpty();
    }

    @Test
    void notification_matchesItsSchema_andNeedsItsCounts() {
        Notification notification = new Notification(Notification.VERSION, "bob", new ConversationRef(ConversationType.PEER,
                "alice"), MessageIds.next(1_700_000_000_000L), 42L, "alice", "Alice", 1_700_000_000_000L, "hi bob", 3L, 7L,
                true);
        assertThat(validate("notification.v1.json", notification)).isEmpty();
        ObjectNode noCounts = (ObjectNode) JsonCodec.tree(JsonCodec.encode(notification));
        noCounts.remove("totalUnreadCount");
        assertThat(validate("notification.v1.json", noCounts)).isNotEmpty();
        ObjectNode longPreview = (ObjectNode) JsonCodec.tree(JsonCodec.encode(notification));
        longPreview.put("preview", "x".repeat(101));
        assertThat(validate("notification.v1.json", longPreview)).isNotEmpty();
    }

    @Test
    void notificationPreview_isTheTextCutAt100Characters_orTheType() {
        assertThat(Notification.preview(MessageContent.text("hi"))).isEqualTo("hi");
        assertThat(Notification.preview(MessageContent.text("x".repeat(150)))).hasSize(100);
        assertThat(Notification.preview(MessageContent.text("x".repeat(99) + "😀"))).hasSize(99);
        assertThat(Notification.preview(MessageContent.media(MessageType.IMAGE, null, "https://x/y"))).isEqualTo("image");
    }

    @Test
    void media_matchesItsSchema() {
        assertThat(validate("media.v1.json", Samples.media())).isEmpty();
    }

    @Test
    void mediaWithdrawn_matchesTheMediaSchema_andIsNotMistakenForAnUpload() {
        MediaWithdrawn withdrawn = MediaWithdrawn.of(Samples.media().mediaId(), MessageIds.next(1_700_000_000_000L), "alice",
                1_700_000_060_000L);
        ObjectNode noEvent = (ObjectNode) JsonCodec.tree(JsonCodec.encode(withdrawn));
        noEvent.remove("event");
        ObjectNode uploadWithEvent = (ObjectNode) JsonCodec.tree(JsonCodec.encode(Samples.media()));
        uploadWithEvent.put("event", "withdrawn");

        assertThat(validate("media.v1.json", withdrawn)).isEmpty();
        assertThat(JsonCodec.tree(JsonCodec.encode(withdrawn)).get("event").asText()).isEqualTo("withdrawn");
        assertThat(validate("media.v1.json", noEvent)).isNotEmpty();
        assertThat(validate("media.v1.json", uploadWithEvent)).isNotEmpty();
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
