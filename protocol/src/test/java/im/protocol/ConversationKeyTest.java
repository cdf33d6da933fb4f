package im.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConversationKeyTest {

    @Test
    void peerKey_isTheSameBothWays() {
        ConversationKey ab = ConversationKey.of("alice", new ConversationRef(ConversationType.PEER, "bob"));
        ConversationKey ba = ConversationKey.of("bob", new ConversationRef(ConversationType.PEER, "alice"));

        assertThat(ab.value()).isEqualTo("peer/alice,bob").isEqualTo(ba.value());
        assertThat(ab.viewFor("alice")).isEqualTo(new ConversationRef(ConversationType.PEER, "bob"));
        assertThat(ab.viewFor("bob")).isEqualTo(new ConversationRef(ConversationType.PEER, "alice"));
    }

    @Test
    void keys_parseBack() {
        for (String key : new String[]{"peer/a@x,b#y", "group/g-1", "room/r_{1}"}) {
            assertThat(ConversationKey.parse(key).value()).isEqualTo(key);
        }
    }

    @Test
    void malformedKeys_areRefused() {
        for (String key : new String[]{"peer/alice", "chat/x", "group/", "noslash", "group/a,b"}) {
            assertThatThrownBy(() -> ConversationKey.parse(key)).as(key).isInstanceOf(ProtocolException.class);
        }
    }

    @Test
    void ids_followTheCharset() {
        assertThat(Ids.isValid("user_1!#$%&()+-:;<=.>?@[]^{}|~")).isTrue();
        assertThat(Ids.isValid("a".repeat(32))).isTrue();
        assertThat(Ids.isValid("a".repeat(33))).isFalse();
        assertThat(Ids.isValid("has space")).isFalse();
        assertThat(Ids.isValid("slash/")).isFalse();
        assertThat(Ids.isValid("comma,")).isFalse();
        assertThat(Ids.isValid("ünï")).isFalse();
        assertThat(Ids.isValid("")).isFalse();
    }
}
