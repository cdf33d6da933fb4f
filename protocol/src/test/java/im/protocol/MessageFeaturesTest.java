package im.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/** v1.1 message features: the rules of replies, reactions and edits, and the schemas of their records. */
class MessageFeaturesTest {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private static Set<ValidationMessage> validate(String schema, Object value) {
        return FACTORY.getSchema(SchemaLocation.of("classpath:im/protocol/schema/" + schema))
                .validate(JsonCodec.tree(JsonCodec.encode(value)));
    }

    private static ErrorCode codeOf(Runnable check) {
        try {
            check.run();
            return null;
        } catch (ProtocolException e) {
            return e.code();
        }
    }

    private static Envelope action(Action action) {
        Envelope message = Samples.envelope("alice", "bob");
        return new Envelope(1, MessageIds.next(message.timestamp()), null, message.conversationKey(), message.to(),
                message.sender(), message.timestamp(), null, null, null, null, null, null, action);
    }

    @Test
    void reaction_isRefused_whenEmptyLongerThan32BytesOrWithControlCharacters() {
        assertThatCode(() -> Reaction.require("👍")).doesNotThrowAnyException();
        assertThatCode(() -> Reaction.require("x".repeat(32))).doesNotThrowAnyException();
        assertThat(codeOf(() -> Reaction.require("x".repeat(33)))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> Reaction.require("😀".repeat(9)))).isEqualTo(ErrorCode.INVALID_REQUEST); // 36 bytes
        assertThat(codeOf(() -> Reaction.require(""))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> Reaction.require(null))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> Reaction.require("a\u0000"))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> Reaction.require("a\nb"))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> Reaction.require("\ud83d"))).isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void preview_isTheFirst100Characters_orTheTypeName() {
        assertThat(RepliedTo.preview(MessageType.TEXT, "hi")).isEqualTo("hi");
        assertThat(RepliedTo.preview(MessageType.TEXT, "x".repeat(150))).hasSize(100);
        assertThat(RepliedTo.preview(MessageType.IMAGE, null)).isEqualTo("image");
        // a surrogate pair is never cut in two
        String cut = RepliedTo.preview(MessageType.TEXT, "x".repeat(99) + "😀");
        assertThat(Text.isValid(cut)).isTrue();
        assertThat(cut).hasSize(99);
    }

    @Test
    void edits_takeTextOrCustomOnly() {
        assertThatCode(() -> MessageRules.checkEditContent(MessageContent.text("new"))).doesNotThrowAnyException();
        assertThat(codeOf(() -> MessageRules.checkEditContent(MessageContent.command("AA==")))).isEqualTo(
                ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkEditContent(null))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkEditContent(MessageContent.text("x".repeat(32 * 1024 + 1)))))
                .isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
    }

    @Test
    void actionRecords_areChecked_andJunkIsRefused() {
        Reaction thumbs = new Reaction("👍", 2, List.of("alice", "bob"));
        assertThatCode(() -> MessageRules.checkEnvelope(action(Action.react("m-1", "👍", false))))
                .doesNotThrowAnyException();
        assertThatCode(() -> MessageRules.checkEnvelope(action(Action.reactionsChanged("m-1", List.of(thumbs)))))
                .doesNotThrowAnyException();
        assertThatCode(() -> MessageRules.checkEnvelope(action(Action.reactionsChanged("m-1", List.of()))))
                .doesNotThrowAnyException();
        assertThatCode(() -> MessageRules.checkEnvelope(action(Action.edit("m-1", MessageContent.text("new")))))
                .doesNotThrowAnyException();
        Message edited = Samples.message().edited(MessageContent.text("new"), 5L);
        assertThatCode(() -> MessageRules.checkEnvelope(action(Action.messageEdited(edited)))).doesNotThrowAnyException();

        assertThat(codeOf(() -> MessageRules.checkEnvelope(action(Action.react(null, "👍", false)))))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkEnvelope(action(Action.react("m-1", "x".repeat(40), false)))))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkEnvelope(action(Action.reactionsChanged("m-1",
                Arrays.asList(thumbs, null)))))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkEnvelope(action(Action.reactionsChanged("m-1",
                List.of(new Reaction("👍", 0, List.of("alice")))))))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkEnvelope(action(Action.edit("m-1", MessageContent.command("AA=="))))))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkEnvelope(action(Action.messageEdited(Samples.message())))))
                .isEqualTo(ErrorCode.INVALID_REQUEST); // no editedAt
        assertThat(codeOf(() -> MessageRules.checkEnvelope(action(new Action("edit", "m-1", null, null, null)))))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void aReplyRecord_carriesTheWholeQuote() {
        Envelope reply = Samples.envelope("alice", "bob")
                .withRepliedTo(new RepliedTo("m-1", "bob", MessageType.TEXT, "hello"));
        assertThatCode(() -> MessageRules.checkEnvelope(reply)).doesNotThrowAnyException();
        assertThat(reply.toMessage().repliedTo()).isEqualTo(reply.repliedTo());
        assertThat(codeOf(() -> MessageRules.checkEnvelope(reply.withRepliedTo(RepliedTo.of("m-1")))))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(validate("message-envelope.v1.json", reply)).isEmpty();
        assertThat(validate("message-envelope.v1.json", reply.withRepliedTo(RepliedTo.of("m-1")))).isNotEmpty();
    }

    @Test
    void messagesWithReplyReactionsAndEdit_readBackAsWritten() {
        Message message = Samples.message().edited(MessageContent.text("new"), 9L)
                .withReactions(List.of(new Reaction("👍", 1, List.of("bob"))));
        Message quoting = new Message(message.messageId(), null, 1L, null, message.sender(), 1L, Priority.LOW, null, null,
                null, new RepliedTo("m-0", "bob", MessageType.IMAGE, "image"), null, null, MessageContent.text("look"));

        assertThat(JsonCodec.decode(JsonCodec.encode(message), Message.class)).isEqualTo(message);
        assertThat(JsonCodec.decode(JsonCodec.encode(quoting), Message.class)).isEqualTo(quoting);
        assertThat(JsonCodec.tree(JsonCodec.encode(quoting)).get("repliedTo").get("type").asText()).isEqualTo("image");
    }

    @Test
    void actionsAndDeliveries_matchTheirSchemas() {
        Reaction thumbs = new Reaction("👍", 12, List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10"));
        Message edited = Samples.message().edited(MessageContent.text("new"), 5L).withReactions(List.of(thumbs));
        assertThat(validate("message-envelope.v1.json", action(Action.react("m-1", "👍", true)))).isEmpty();
        assertThat(validate("message-envelope.v1.json", action(Action.reactionsChanged("m-1", List.of(thumbs)))))
                .isEmpty();
        assertThat(validate("message-envelope.v1.json", action(Action.reactionsChanged("m-1", List.of())))).isEmpty();
        assertThat(validate("message-envelope.v1.json", action(Action.edit("m-1", MessageContent.text("new"))))).isEmpty();
        assertThat(validate("message-envelope.v1.json", action(Action.messageEdited(edited)))).isEmpty();

        Delivery reactions = new Delivery(1, "gw-1", "peer/alice,bob", List.of("bob"), null, null, null, null, null, null,
                null, new Delivery.ReactionsChanged("m-1", List.of(thumbs)), null);
        Delivery edit = new Delivery(1, "gw-1", "peer/alice,bob", List.of("bob"), null, null, null, null, null, null, null,
                null, edited);
        assertThat(validate("delivery.v1.json", reactions)).isEmpty();
        assertThat(validate("delivery.v1.json", edit)).isEmpty();
        assertThatCode(() -> RecordRules.checkDelivery(reactions)).doesNotThrowAnyException();
        assertThatCode(() -> RecordRules.checkDelivery(edit)).doesNotThrowAnyException();

        ObjectNode noReaction = (ObjectNode) JsonCodec.tree(JsonCodec.encode(action(Action.react("m-1", "👍", false))));
        ((ObjectNode) noReaction.get("action")).remove("reaction");
        assertThat(FACTORY.getSchema(SchemaLocation.of("classpath:im/protocol/schema/message-envelope.v1.json"))
                .validate(noReaction)).isNotEmpty();
    }
}
