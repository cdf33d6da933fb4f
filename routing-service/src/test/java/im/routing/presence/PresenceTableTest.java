package im.routing.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import im.protocol.Presence;
import im.routing.config.RoutingConfig;

/** The presence table folded from {@code im.presence}: epochs, heartbeats, tombstones, rooms and ghost purging. */
class PresenceTableTest {
    private static final long TIMEOUT_MS = 15_000;

    private PresenceTable table;
    private long now;

    @BeforeEach
    void setUp() {
        table = new PresenceTable();
        // the table reads just the heartbeat timeout of its configuration
        table.config = (RoutingConfig) Proxy.newProxyInstance(RoutingConfig.class.getClassLoader(),
                new Class<?>[]{RoutingConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "heartbeatTimeout" -> Duration.ofMillis(TIMEOUT_MS);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        now = System.currentTimeMillis();
    }

    private void heartbeat(String nodeId, int slot, long epoch, long at) {
        table.apply(Presence.nodeKey(nodeId), new Presence(1, Presence.KIND_NODE, nodeId, slot, epoch, null, null, null, at));
    }

    private void online(String userId, String nodeId, int slot, long epoch, long at, String... rooms) {
        table.apply(Presence.userKey(userId, nodeId),
                new Presence(1, Presence.KIND_USER, nodeId, slot, epoch, userId, 1, List.of(rooms), at));
    }

    private List<String> nodesOf(String userId) {
        return table.entriesOf(userId).stream().map(PresenceTable.Entry::nodeId).toList();
    }

    @Test
    void lateGhostRecord_ofAnOlderEpoch_doesNotWipeTheLiveEntryUnderTheSameKey() {
        heartbeat("n-a", 3, 200, now);
        online("alice", "n-a", 3, 200, now, "r1");

        online("alice", "n-a", 3, 100, now);

        assertThat(nodesOf("alice")).containsExactly("n-a");
        assertThat(table.entriesOf("alice").get(0).epoch()).isEqualTo(200);
        assertThat(table.roomMembersByNode("r1")).containsEntry("n-a", Set.of("alice"));
    }

    @Test
    void userEntry_isVisible_whileItsNodesHeartbeatIsFresh() {
        heartbeat("n-a", 3, 100, now);
        online("alice", "n-a", 3, 100, now);

        assertThat(table.entriesOf("alice")).singleElement().satisfies(entry -> {
            assertThat(entry.userId()).isEqualTo("alice");
            assertThat(entry.nodeId()).isEqualTo("n-a");
            assertThat(entry.slot()).isEqualTo(3);
            assertThat(entry.epoch()).isEqualTo(100);
            assertThat(entry.sessions()).isEqualTo(1);
        });
        assertThat(table.isAlive("n-a", 100)).isTrue();
        assertThat(table.node("n-a")).isEqualTo(new PresenceTable.NodeState("n-a", 3, 100, now));
        assertThat(table.entriesOf("nobody")).isEmpty();
    }

    @Test
    void userOnSeveralNodes_hasOneEntryPerNode() {
        heartbeat("n-a", 3, 100, now);
        heartbeat("n-b", 4, 200, now);
        online("alice", "n-a", 3, 100, now);
        online("alice", "n-b", 4, 200, now);

        assertThat(nodesOf("alice")).containsExactlyInAnyOrder("n-a", "n-b");

        table.apply(Presence.userKey("alice", "n-a"), null);

        assertThat(nodesOf("alice")).containsExactly("n-b");
    }

    @Test
    void entryOfAnOlderEpoch_isAGhost_andIgnored() {
        heartbeat("n-a", 3, 200, now);
        online("alice", "n-a", 3, 200, now);

        online("ghost", "n-a", 3, 100, now);

        assertThat(table.entriesOf("ghost")).isEmpty();
        assertThat(nodesOf("alice")).containsExactly("n-a");
        assertThat(table.node("n-a").epoch()).isEqualTo(200);
        assertThat(table.isAlive("n-a", 100)).isFalse();
    }

    @Test
    void newerEpoch_dropsTheEntriesOfTheOlderOne() {
        heartbeat("n-a", 3, 100, now);
        online("alice", "n-a", 3, 100, now, "lobby");
        online("bob", "n-a", 3, 100, now);

        heartbeat("n-a", 3, 200, now);

        assertThat(table.entriesOf("alice")).isEmpty();
        assertThat(table.entriesOf("bob")).isEmpty();
        assertThat(table.roomMembersByNode("lobby")).isEmpty();
        assertThat(table.node("n-a").epoch()).isEqualTo(200);

        online("bob", "n-a", 3, 200, now);

        assertThat(nodesOf("bob")).containsExactly("n-a");
        assertThat(table.entriesOf("alice")).isEmpty();
    }

    @Test
    void userEntryOfANewerEpoch_alsoStartsTheNewEpoch() {
        heartbeat("n-a", 3, 100, now);
        online("alice", "n-a", 3, 100, now);

        online("bob", "n-a", 3, 200, now);

        assertThat(table.entriesOf("alice")).isEmpty();
        assertThat(nodesOf("bob")).containsExactly("n-a");
        assertThat(table.node("n-a").epoch()).isEqualTo(200);
    }

    @Test
    void nodeWhoseLastHeartbeatIsOlderThanTheTimeout_whileAnotherBeats_isNotTargeted() {
        long stale = now - TIMEOUT_MS - 5_000;
        heartbeat("n-a", 3, 100, stale);
        online("alice", "n-a", 3, 100, stale, "lobby");
        heartbeat("n-b", 4, 200, now);

        assertThat(table.entriesOf("alice")).isEmpty();
        assertThat(table.roomMembersByNode("lobby")).isEmpty();
        assertThat(table.isAlive("n-a", 100)).isFalse();
        assertThat(table.nodes()).containsKey("n-a");

        heartbeat("n-a", 3, 100, System.currentTimeMillis());

        assertThat(nodesOf("alice")).containsExactly("n-a");
        assertThat(table.roomMembersByNode("lobby")).isEqualTo(Map.of("n-a", Set.of("alice")));
    }

    @Test
    void whenEveryNodeIsSilent_likeDuringABrokerOutage_noneIsGivenUp() {
        long stale = now - TIMEOUT_MS - 60_000;
        heartbeat("n-a", 3, 100, stale);
        heartbeat("n-b", 4, 200, stale - 1_000);
        online("alice", "n-a", 3, 100, stale, "lobby");
        online("bob", "n-b", 4, 200, stale - 1_000);

        assertThat(nodesOf("alice")).containsExactly("n-a");
        assertThat(nodesOf("bob")).containsExactly("n-b");
        assertThat(table.purgeSilentNodes(TIMEOUT_MS)).isEmpty();
    }

    @Test
    void olderHeartbeatOfTheSameEpoch_doesNotMoveLastSeenBack() {
        heartbeat("n-a", 3, 100, now);
        heartbeat("n-a", 3, 100, now - 60_000);

        assertThat(table.node("n-a").lastSeen()).isEqualTo(now);
        assertThat(table.isAlive("n-a", 100)).isTrue();
    }

    @Test
    void nodeTombstone_dropsItsUsers() {
        heartbeat("n-a", 3, 100, now);
        heartbeat("n-b", 4, 200, now);
        online("alice", "n-a", 3, 100, now, "lobby");
        online("alice", "n-b", 4, 200, now, "lobby");
        online("bob", "n-a", 3, 100, now);

        table.apply(Presence.nodeKey("n-a"), null);

        assertThat(table.node("n-a")).isNull();
        assertThat(table.nodes()).containsOnlyKeys("n-b");
        assertThat(table.entriesOf("bob")).isEmpty();
        assertThat(nodesOf("alice")).containsExactly("n-b");
        assertThat(table.roomMembersByNode("lobby")).isEqualTo(Map.of("n-b", Set.of("alice")));

        heartbeat("n-a", 3, 100, now);

        assertThat(table.entriesOf("bob")).isEmpty();
    }

    @Test
    void roomsIndex_followsEnterAndLeave_andTombstones() {
        heartbeat("n-a", 3, 100, now);
        heartbeat("n-b", 4, 200, now);
        online("alice", "n-a", 3, 100, now, "r1");
        online("bob", "n-b", 4, 200, now, "r1", "r2");

        assertThat(table.roomMembersByNode("r1")).isEqualTo(Map.of("n-a", Set.of("alice"), "n-b", Set.of("bob")));
        assertThat(table.roomMembersByNode("r2")).isEqualTo(Map.of("n-b", Set.of("bob")));

        online("alice", "n-a", 3, 100, now, "r2");

        assertThat(table.roomMembersByNode("r1")).isEqualTo(Map.of("n-b", Set.of("bob")));
        assertThat(table.roomMembersByNode("r2")).isEqualTo(Map.of("n-a", Set.of("alice"), "n-b", Set.of("bob")));

        online("bob", "n-b", 4, 200, now);

        assertThat(table.roomMembersByNode("r1")).isEmpty();
        assertThat(table.roomMembersByNode("r2")).isEqualTo(Map.of("n-a", Set.of("alice")));
        assertThat(nodesOf("bob")).containsExactly("n-b");

        table.apply(Presence.userKey("alice", "n-a"), null);

        assertThat(table.roomMembersByNode("r2")).isEmpty();
        assertThat(table.entriesOf("alice")).isEmpty();
        assertThat(table.roomMembersByNode("never-entered")).isEmpty();
    }

    @Test
    void twoUsersOnOneNode_shareTheNodesRoomEntry() {
        heartbeat("n-a", 3, 100, now);
        online("alice", "n-a", 3, 100, now, "r1");
        online("bob", "n-a", 3, 100, now, "r1");

        assertThat(table.roomMembersByNode("r1")).isEqualTo(Map.of("n-a", Set.of("alice", "bob")));

        table.apply(Presence.userKey("alice", "n-a"), null);

        assertThat(table.roomMembersByNode("r1")).isEqualTo(Map.of("n-a", Set.of("bob")));
    }

    @Test
    void purgeSilentNodes_dropsThemAndReturnsTheirGhostKeys() {
        long silent = now - Duration.ofMinutes(11).toMillis();
        heartbeat("n-live", 3, 100, now);
        online("alice", "n-live", 3, 100, now);
        heartbeat("n-dead", 4, 200, silent);
        online("bob", "n-dead", 4, 200, silent, "lobby");
        online("carol", "n-dead", 4, 200, silent);

        List<String> ghosts = table.purgeSilentNodes(Duration.ofMinutes(10).toMillis());

        assertThat(ghosts).containsExactlyInAnyOrder("user/bob/n-dead", "user/carol/n-dead", "node/n-dead");
        assertThat(table.nodes()).containsOnlyKeys("n-live");
        assertThat(nodesOf("alice")).containsExactly("n-live");
        assertThat(table.purgeSilentNodes(Duration.ofMinutes(10).toMillis())).isEmpty();

        heartbeat("n-dead", 4, 200, System.currentTimeMillis());

        assertThat(table.entriesOf("bob")).isEmpty();
        assertThat(table.roomMembersByNode("lobby")).isEmpty();
    }

    @Test
    void recordsWithUnknownOrMalformedKeys_areIgnored() {
        table.apply(null, new Presence(1, Presence.KIND_NODE, "n-a", 3, 100, null, null, null, now));
        table.apply("user/no-node", new Presence(1, Presence.KIND_USER, "n-a", 3, 100, "x", 1, null, now));
        table.apply("other/n-a", new Presence(1, Presence.KIND_NODE, "n-a", 3, 100, null, null, null, now));

        assertThat(table.nodes()).isEmpty();
        assertThat(table.entriesOf("x")).isEmpty();
    }

    @Test
    void customStatusRecords_v11_changeNothingInRouting() {
        heartbeat("n-a", 3, 100, now);
        online("bob", "n-a", 3, 100, now);

        table.apply(Presence.statusKey("bob"), Presence.status("n-b", 4, 7, "bob", "busy", now + 60_000));
        table.apply(Presence.statusKey("bob"), null);

        assertThat(table.nodes()).containsOnlyKeys("n-a");
        assertThat(nodesOf("bob")).containsExactly("n-a");
    }
}
