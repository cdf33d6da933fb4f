package im.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

class MessageRulesTest {

    private static ErrorCode codeOf(Runnable check) {
        try {
            check.run();
            return null;
        } catch (ProtocolException e) {
            return e.code();
        }
    }

    @Test
    void text_isLimitedTo32KB() {
        assertThatCode(() -> MessageRules.checkContent(MessageContent.text("x".repeat(32 * 1024)), ConversationType.PEER))
                .doesNotThrowAnyException();
        assertThat(codeOf(() -> MessageRules.checkContent(MessageContent.text("x".repeat(32 * 1024 + 1)),
                ConversationType.PEER))).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(codeOf(() -> MessageRules.checkContent(MessageContent.text("é".repeat(16 * 1024 + 1)),
                ConversationType.PEER))).as("counted in UTF-8 bytes").isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
    }

    @Test
    void tips_needAnEvent_andValidTargets() {
        assertThatCode(() -> MessageRules.checkContent(MessageContent.tips("membersRemoved", "alice", List.of("bob")),
                ConversationType.GROUP)).doesNotThrowAnyException();
        assertThat(codeOf(() -> MessageRules.checkContent(MessageContent.tips(null, "alice", List.of()),
                ConversationType.GROUP))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkContent(MessageContent.tips("x".repeat(65), "alice", List.of()),
                ConversationType.GROUP))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkContent(MessageContent.tips("roleChanged", "bad id", List.of()),
                ConversationType.GROUP))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkContent(MessageContent.tips("roleChanged", "alice",
                Collections.nCopies(Limits.TIPS_TARGETS_MAX + 1, "bob")), ConversationType.GROUP)))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void command_isLimitedTo5KB_ofDecodedData() {
        String ok = Base64.getEncoder().encodeToString(new byte[5 * 1024]);
        String big = Base64.getEncoder().encodeToString(new byte[5 * 1024 + 1]);
        assertThatCode(() -> MessageRules.checkContent(MessageContent.command(ok), ConversationType.ROOM))
                .doesNotThrowAnyException();
        assertThat(codeOf(() -> MessageRules.checkContent(MessageContent.command(big), ConversationType.ROOM)))
                .isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(codeOf(() -> MessageRules.checkContent(MessageContent.command("not base64!"), ConversationType.ROOM)))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void barrage_goesToRoomsOnly() {
        assertThat(codeOf(() -> MessageRules.checkContent(MessageContent.barrage("hey"), ConversationType.GROUP)))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkContent(MessageContent.barrage("x".repeat(5 * 1024 + 1)),
                ConversationType.ROOM))).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
    }

    @Test
    void addressing_refusesBadIdsAndMisplacedToUserIds() {
        ConversationRef room = new ConversationRef(ConversationType.ROOM, "r1");
        ConversationRef badPeer = new ConversationRef(ConversationType.PEER, "bad id");
        assertThat(codeOf(() -> MessageRules.checkAddressing(badPeer, MessageType.TEXT, null, null, "c")))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkAddressing(room, MessageType.TEXT, null, List.of("bob"), "c")))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkAddressing(room, MessageType.COMMAND, null, List.of("bob"), "c")))
                .isNull();
        assertThat(codeOf(() -> MessageRules.checkAddressing(room, MessageType.TEXT,
                new Mentions(Collections.nCopies(51, "u"), false), null, "c"))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> MessageRules.checkAddressing(room, MessageType.TEXT, null, null, "x".repeat(65))))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void envelope_mustCarryTheKeyOfItsConversation() {
        Envelope good = Samples.envelope("alice", "bob");
        assertThat(MessageRules.checkEnvelope(good).value()).isEqualTo("peer/alice,bob");

        Envelope wrongKey = new Envelope(1, "m", "c", "peer/alice,carol", good.to(), good.sender(), 1L, null, null, null,
                null, null, good.message());
        assertThatThrownBy(() -> MessageRules.checkEnvelope(wrongKey)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("does not match");

        Envelope wrongVersion = new Envelope(2, "m", "c", good.conversationKey(), good.to(), good.sender(), 1L, null, null,
                null, null, null, good.message());
        assertThatThrownBy(() -> MessageRules.checkEnvelope(wrongVersion)).hasMessageContaining("version");
    }

    @Test
    void conversationChanged_refusesNoUsers_badIds_negativeCounts_nullsAndTooManyMentions() {
        ConversationChanged.Mention mention = new ConversationChanged.Mention("m-1", 3, "alice", false);
        ConversationChanged.UserState good = new ConversationChanged.UserState("bob", 2, List.of(mention), 5L);
        assertThat(codeOf(() -> MessageRules.checkAction(Action.conversationChanged(
                new ConversationChanged(null, 1L, List.of(good))), null))).isNull();
        for (ConversationChanged changed : Arrays.asList(null, new ConversationChanged(null, 1L, List.of()),
                new ConversationChanged(null, 1L, Arrays.asList((ConversationChanged.UserState) null)),
                new ConversationChanged(null, 1L, List.of(new ConversationChanged.UserState("b b", 0, null, null))),
                new ConversationChanged(null, 1L, List.of(new ConversationChanged.UserState("bob", -1, null, null))),
                new ConversationChanged(null, 1L, List.of(new ConversationChanged.UserState("bob", 0, null, -2L))),
                new ConversationChanged(null, 1L, List.of(new ConversationChanged.UserState("bob", 0,
                        Collections.nCopies(ConversationChanged.MAX_MENTIONS + 1, mention), null))),
                new ConversationChanged(null, 1L, List.of(new ConversationChanged.UserState("bob", 0,
                        Arrays.asList((ConversationChanged.Mention) null), null))),
                new ConversationChanged(null, 1L, Collections.nCopies(ConversationChanged.MAX_USERS + 1, good)))) {
            assertThat(codeOf(() -> MessageRules.checkAction(Action.conversationChanged(changed), null)))
                    .isEqualTo(ErrorCode.INVALID_REQUEST);
        }
    }
}
