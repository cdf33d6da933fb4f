package im.gateway.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import im.protocol.Presence;
import im.protocol.PresenceFrames.UserPresence;

class PresenceBoardTest {

    private final PresenceBoard board = new PresenceBoard(15_000);

    private List<String> user(String userId, String nodeId, long epoch, long at) {
        return board.apply(Presence.userKey(userId, nodeId),
                new Presence(1, Presence.KIND_USER, nodeId, 0, epoch, userId, 1, List.of(), at), at);
    }

    private List<String> node(String nodeId, long epoch, long at) {
        return board.apply(Presence.nodeKey(nodeId), new Presence(1, Presence.KIND_NODE, nodeId, 0, epoch, null, null,
                null, at), at);
    }

    private List<String> status(String userId, String status, long at) {
        return board.apply(Presence.statusKey(userId),
                status == null ? null : Presence.status("gw-1", 0, 1, userId, status, at), at);
    }

    @Test
    void aUserIsOnline_whileAnyNodeHoldsThem_andOfflineWithLastSeen_whenTheLastEntryIsTombstoned() {
        assertThat(board.get("bob")).isEqualTo(new UserPresence("bob", "offline", null, null));

        assertThat(user("bob", "gw-1", 1, 100)).containsExactly("bob");
        assertThat(user("bob", "gw-2", 1, 110)).isEmpty(); // online already
        assertThat(user("bob", "gw-1", 1, 120)).isEmpty(); // a republish changes nothing
        assertThat(board.get("bob").state()).isEqualTo("online");

        assertThat(board.apply(Presence.userKey("bob", "gw-1"), null, 200)).isEmpty(); // still on gw-2
        assertThat(board.apply(Presence.userKey("bob", "gw-2"), null, 300)).containsExactly("bob");

        assertThat(board.get("bob")).isEqualTo(new UserPresence("bob", "offline", 300L, null));
        assertThat(user("bob", "gw-2", 1, 400)).containsExactly("bob");
        assertThat(board.get("bob").lastSeenAt()).isNull();
    }

    @Test
    void aNodeGoingDown_takesItsUsersOffline() {
        node("gw-1", 1, 10);
        user("bob", "gw-1", 1, 20);
        user("carol", "gw-1", 1, 20);

        assertThat(board.apply(Presence.nodeKey("gw-1"), null, 500)).containsExactlyInAnyOrder("bob", "carol");
        assertThat(board.get("carol")).isEqualTo(new UserPresence("carol", "offline", 500L, null));
    }

    @Test
    void aRestartedNode_dropsTheEntriesOfItsOlderEpoch_andGhostsNeverComeBack() {
        user("bob", "gw-1", 1, 20);
        user("carol", "gw-1", 1, 20);

        assertThat(node("gw-1", 2, 1_000)).containsExactlyInAnyOrder("bob", "carol");
        assertThat(user("bob", "gw-1", 1, 30)).isEmpty(); // a ghost of epoch 1
        assertThat(board.get("bob").state()).isEqualTo("offline");
        assertThat(user("bob", "gw-1", 2, 1_010)).containsExactly("bob");
    }

    @Test
    void theCustomStatus_isTheStatusRecord_andATombstoneClearsIt() {
        user("bob", "gw-1", 1, 20);

        assertThat(status("bob", "in a meeting", 30)).containsExactly("bob");
        assertThat(status("bob", "in a meeting", 40)).isEmpty();
        assertThat(board.get("bob")).isEqualTo(new UserPresence("bob", "online", null, "in a meeting"));

        board.apply(Presence.userKey("bob", "gw-1"), null, 50);
        assertThat(board.get("bob")).isEqualTo(new UserPresence("bob", "offline", 50L, "in a meeting"));

        assertThat(status("bob", null, 60)).containsExactly("bob");
        assertThat(board.get("bob").customStatus()).isNull();
    }

    @Test
    void aTombstoneOfAnEntryNeverSeen_stillTellsWhenTheUserWasLastSeen() {
        assertThat(board.apply(Presence.userKey("dave", "gw-1"), null, 70)).containsExactly("dave");
        assertThat(board.get("dave")).isEqualTo(new UserPresence("dave", "offline", 70L, null));
    }

    @Test
    void aNodeSilentWhileOthersBeat_holdsNobodyOnline_untilItBeatsAgain() {
        node("gw-1", 1, 1_000);
        node("gw-2", 1, 1_000);
        user("bob", "gw-1", 1, 1_000);
        user("carol", "gw-2", 1, 1_000);

        assertThat(node("gw-2", 1, 16_000)).isEmpty(); // gw-1 silent for 15 s: not yet
        assertThat(node("gw-2", 1, 16_001)).containsExactly("bob");
        assertThat(board.get("bob")).isEqualTo(new UserPresence("bob", "offline", 1_000L, null));
        assertThat(board.get("carol").state()).isEqualTo("online");

        assertThat(node("gw-1", 1, 16_500)).containsExactly("bob"); // it was only slow
        assertThat(board.get("bob").state()).isEqualTo("online");
    }

    @Test
    void routingPurgingADeadNode_keepsItsUsersLastSeenAtWhenTheNodeWasLastHeardOf() {
        node("gw-1", 1, 1_000);
        node("gw-2", 1, 1_000);
        user("bob", "gw-1", 1, 1_000);
        node("gw-2", 1, 20_000);

        assertThat(board.apply(Presence.userKey("bob", "gw-1"), null, 600_000)).isEmpty();
        assertThat(board.apply(Presence.nodeKey("gw-1"), null, 600_000)).isEmpty();
        assertThat(board.get("bob")).isEqualTo(new UserPresence("bob", "offline", 1_000L, null));
    }
}
