package im.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RecordRulesTest {

    private static Presence user(String userId, String nodeId, List<String> rooms) {
        return new Presence(1, Presence.KIND_USER, nodeId, 0, 1, userId, 1, rooms, 1);
    }

    @Test
    void presence_isAccepted_whenKeyAndValueAgree() {
        assertThatCode(() -> RecordRules.checkPresence("user/bob/gw-1", user("bob", "gw-1", List.of("r1"))))
                .doesNotThrowAnyException();
        assertThatCode(() -> RecordRules.checkPresence("user/bob/gw-1", null)).doesNotThrowAnyException();
        assertThatCode(() -> RecordRules.checkPresence("node/gw-1",
                new Presence(1, Presence.KIND_NODE, "gw-1", 3, 1, null, null, null, 1))).doesNotThrowAnyException();
    }

    @Test
    void presence_isRefused_whenKeyOrValueIsBroken() {
        assertThatThrownBy(() -> RecordRules.checkPresence(null, null)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkPresence("junk", null)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkPresence("user/bob/gw-1", user("eve", "gw-1", List.of())))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkPresence("user/bob/gw-1", user("bob", "gw-1", List.of("bad room"))))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkPresence("user/" + "x".repeat(33) + "/gw-1", null))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void statusRecord_isAccepted_whenKeyAndValueAgree_andItsStatusIsShortText() {
        assertThatCode(() -> RecordRules.checkPresence("status/bob", Presence.status("gw-1", 0, 1, "bob", "busy", 1)))
                .doesNotThrowAnyException();
        assertThatCode(() -> RecordRules.checkPresence("status/bob", null)).doesNotThrowAnyException();
        assertThatThrownBy(() -> RecordRules.checkPresence("status/bob", Presence.status("gw-1", 0, 1, "eve", "x", 1)))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkPresence("status/bob", user("bob", "gw-1", List.of())))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkPresence("status/bob",
                Presence.status("gw-1", 0, 1, "bob", "x".repeat(65), 1))).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkPresence("status/bob", Presence.status("gw-1", 0, 1, "bob", "a\u0000b", 1)))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkPresence("status/", null)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void customStatus_isLimitedTo64Bytes_withoutControlCharacters() {
        assertThatCode(() -> PresenceFrames.requireCustomStatus("é".repeat(32))).doesNotThrowAnyException();
        assertThatThrownBy(() -> PresenceFrames.requireCustomStatus("é".repeat(33))).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> PresenceFrames.requireCustomStatus("line\nbreak")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> PresenceFrames.requireCustomStatus("\uD800")).isInstanceOf(ProtocolException.class);
    }

    @Test
    void presenceUserIds_areOneToAHundredValidIds_withoutRepeats() {
        assertThat(PresenceFrames.requireUserIds(List.of("a", "b", "a")))
                .containsExactly("a", "b");
        assertThatThrownBy(() -> PresenceFrames.requireUserIds(List.of())).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> PresenceFrames.requireUserIds(null)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> PresenceFrames.requireUserIds(Collections.nCopies(101, "a")))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> PresenceFrames.requireUserIds(List.of("bad id"))).isInstanceOf(ProtocolException.class);
    }

    @Test
    void membership_isChecked_againstItsKey() {
        assertThatCode(() -> RecordRules.checkMembership("group/g1",
                new Membership(1, Membership.KIND_GROUP, "g1", null, "Team", "alice", 1))).doesNotThrowAnyException();
        assertThatCode(() -> RecordRules.checkMembership("group/g1/bob", null)).doesNotThrowAnyException();
        assertThatThrownBy(() -> RecordRules.checkMembership("group/g1/bob",
                new Membership(1, Membership.KIND_MEMBER, "g2", "bob", null, null, 1))).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkMembership("presence/x", null)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void membership_v11Fields_areChecked_andOldRecordsStillPass() {
        assertThatCode(() -> RecordRules.checkMembership("group/g1",
                Membership.group("g1", "Team", "alice", "read me", "https://x/a.png", Map.of("k", "v"), 1)))
                .doesNotThrowAnyException();
        assertThatCode(() -> RecordRules.checkMembership("group/g1/bob", Membership.member("g1", "bob", "admin", 1)))
                .doesNotThrowAnyException();
        assertThatCode(() -> RecordRules.checkMembership("group/g1/bob",
                new Membership(1, Membership.KIND_MEMBER, "g1", "bob", null, null, 1))).doesNotThrowAnyException();
        assertThatThrownBy(() -> RecordRules.checkMembership("group/g1/bob", Membership.member("g1", "bob", "owner", 1)))
                .as("the group's owner field names the owner").isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkMembership("group/g1/bob", Membership.member("g1", "bob", "king", 1)))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkMembership("group/g1",
                Membership.group("g1", "Team", "alice", "x".repeat(Limits.GROUP_NOTICE_MAX_BYTES + 1), null, null, 1)))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkMembership("group/g1",
                Membership.group("g1", "Team", "alice", "nul\u0000", null, null, 1))).isInstanceOf(ProtocolException.class);
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i <= Limits.GROUP_ATTRIBUTES_MAX; i++) {
            many.put("k" + i, "v");
        }
        assertThatThrownBy(() -> RecordRules.checkMembership("group/g1",
                Membership.group("g1", "Team", "alice", null, null, many, 1))).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkMembership("group/g1",
                Membership.group("g1", "Team", "alice", null, null, Map.of("", "v"), 1)))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkMembership("group/g1",
                Membership.group("g1", "Team", "alice", null, null, Map.of("k\u0000", "v"), 1)))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void delivery_needsOnePayload_andValidIds() {
        Message message = new Message("m1", null, 1L, null, new Sender("a", null), 1L, Priority.LOW, null, null,
                MessageContent.text("hi"));
        assertThatCode(() -> RecordRules.checkDelivery(new Delivery(1, "gw-1", "peer/a,b", List.of("b"), null, null, message)))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> RecordRules.checkDelivery(new Delivery(1, "gw-1", "peer/a,b", List.of("b"), null, null, null)))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> RecordRules.checkDelivery(new Delivery(1, "gw-1", "nonsense", List.of("b"), null, null,
                message))).isInstanceOf(ProtocolException.class);
    }

    @Test
    void envelope_refusesOverlongMessageIds() {
        Envelope ok = new Envelope(1, "m".repeat(64), null, "peer/a,b", new ConversationRef(ConversationType.PEER, "b"),
                new Sender("a", null), 1, null, null, null, null, null, MessageContent.text("hi"));
        assertThatCode(() -> MessageRules.checkEnvelope(ok)).doesNotThrowAnyException();
        Envelope tooLong = new Envelope(1, "m".repeat(65), null, "peer/a,b", new ConversationRef(ConversationType.PEER, "b"),
                new Sender("a", null), 1, null, null, null, null, null, MessageContent.text("hi"));
        assertThatThrownBy(() -> MessageRules.checkEnvelope(tooLong)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("messageId");
    }
}
