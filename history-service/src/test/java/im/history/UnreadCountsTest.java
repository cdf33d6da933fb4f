package im.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

import im.history.persistence.BatchWriter;
import im.history.service.ConversationStates;
import im.history.service.HistoryQueries;
import im.protocol.Action;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.ProtocolException;
import im.protocol.Sender;
import im.testkit.KafkaResource;
import im.testkit.PostgresResource;

/**
 * The kept unread counts ({@code unread_count}, migration V6) always equal a count from scratch: across batches, recalls,
 * reads, deletes, clears and removals in any order, and when a count computed from an older snapshot races a read.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
class UnreadCountsTest {
    private static final AtomicLong ORDER = new AtomicLong(System.currentTimeMillis() % 1_000_000_000L * 1000);

    @Inject
    AgroalDataSource dataSource;

    @Inject
    BatchWriter writer;

    @Inject
    HistoryQueries queries;

    private record Sent(String messageId, String senderId, long orderKey) {}

    private static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    private List<Sent> store(ConversationKey key, String... senders) throws SQLException {
        List<BatchWriter.Stamped> batch = new ArrayList<>();
        List<Sent> sent = new ArrayList<>();
        for (String sender : senders) {
            long now = System.currentTimeMillis();
            String other = key.first().equals(sender) ? key.second() : key.first();
            Envelope envelope = new Envelope(1, MessageIds.next(now), null, key.value(),
                    new ConversationRef(ConversationType.PEER, other), new Sender(sender, null), now, null, null, null, null,
                    null, MessageContent.text("hello"));
            long orderKey = ORDER.incrementAndGet();
            batch.add(new BatchWriter.Stamped(envelope, key, orderKey));
            sent.add(new Sent(envelope.messageId(), sender, orderKey));
        }
        writer.write(batch);
        return sent;
    }

    private void recall(ConversationKey key, Sent message) throws SQLException {
        long now = System.currentTimeMillis();
        String other = key.first().equals(message.senderId()) ? key.second() : key.first();
        Envelope envelope = new Envelope(1, MessageIds.next(now), null, key.value(),
                new ConversationRef(ConversationType.PEER, other), new Sender(message.senderId(), null), now, null, null, null,
                null, null, null, Action.revoke(message.messageId()));
        writer.write(List.of(new BatchWriter.Stamped(envelope, key, ORDER.incrementAndGet())));
    }

    /** The count as kept (and advanced) by the service's own path. */
    private long kept(String userId, ConversationKey key) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            ConversationStates.Pair pair = new ConversationStates.Pair(userId, key.value());
            return ConversationStates.unread(connection, List.of(pair)).getOrDefault(pair, 0L);
        }
    }

    /** The count from scratch: the kept rows dropped inside a transaction that is rolled back. */
    private long fromScratch(String userId, ConversationKey key) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                try (PreparedStatement drop = connection.prepareStatement("delete from unread_count")) {
                    drop.executeUpdate();
                }
                ConversationStates.Pair pair = new ConversationStates.Pair(userId, key.value());
                return ConversationStates.unread(connection, List.of(pair)).getOrDefault(pair, 0L);
            } finally {
                connection.rollback();
            }
        }
    }

    @Test
    void keptCounts_equalCountsFromScratch_whateverHappensInWhateverOrder() throws SQLException {
        String alice = user("alice");
        String bob = user("bob");
        ConversationKey key = ConversationKey.of(alice, new ConversationRef(ConversationType.PEER, bob));
        List<String> users = List.of(alice, bob);
        List<Sent> live = new ArrayList<>();
        Random random = new Random(42);
        int checks = 0;
        for (int step = 0; step < 200; step++) {
            String user = users.get(random.nextInt(2));
            int op = random.nextInt(10);
            if (op < 4 || live.isEmpty()) {
                String[] senders = new String[1 + random.nextInt(3)];
                for (int i = 0; i < senders.length; i++) {
                    senders[i] = users.get(random.nextInt(2));
                }
                live.addAll(store(key, senders));
            } else if (op == 4) {
                recall(key, live.remove(random.nextInt(live.size())));
            } else if (op == 5) {
                queries.markRead(user, key, live.get(random.nextInt(live.size())).orderKey());
            } else if (op == 6) {
                queries.deleteMessage(user, key, live.get(random.nextInt(live.size())).messageId());
            } else if (op == 7 && random.nextInt(4) == 0) {
                queries.clear(user, key);
            } else if (op == 8 && random.nextInt(4) == 0) {
                queries.remove(user, key);
            }
            if (random.nextBoolean()) {
                for (String u : users) {
                    assertThat(kept(u, key)).as("step %d, %s", step, u).isEqualTo(fromScratch(u, key));
                    checks++;
                }
            }
        }
        assertThat(checks).isGreaterThan(100);
    }

    @Test
    void aCountFromASnapshotBeforeARead_isNotKeptOverTheRead() throws Exception {
        String alice = user("alice");
        String bob = user("bob");
        ConversationKey key = ConversationKey.of(alice, new ConversationRef(ConversationType.PEER, bob));
        List<Sent> sent = store(key, alice, alice, alice);
        assertThat(kept(bob, key)).isEqualTo(3);
        store(key, alice);
        String marker = "unread-race-" + UUID.randomUUID();
        CompletableFuture<Long> stale;
        // the read's transaction holds bob's row (forgotten) while a count starts from a snapshot that does not see it
        try (Connection reader = dataSource.getConnection()) {
            reader.setAutoCommit(false);
            try (PreparedStatement read = reader.prepareStatement("update read_state set read_order_key = ? "
                    + "where user_id = ? and conversation_key = ?");
                    PreparedStatement insert = reader.prepareStatement("insert into read_state (user_id, conversation_key, "
                            + "read_order_key, updated_at) values (?, ?, ?, 0) on conflict do nothing")) {
                insert.setString(1, bob);
                insert.setString(2, key.value());
                insert.setLong(3, sent.get(2).orderKey());
                insert.executeUpdate();
                read.setLong(1, sent.get(2).orderKey());
                read.setString(2, bob);
                read.setString(3, key.value());
                read.executeUpdate();
            }
            ConversationStates.forget(reader, bob, key.value());
            stale = CompletableFuture.supplyAsync(() -> {
                try (Connection counter = dataSource.getConnection()) {
                    try (PreparedStatement name = counter.prepareStatement("set application_name = '" + marker + "'")) {
                        name.execute();
                    }
                    ConversationStates.Pair pair = new ConversationStates.Pair(bob, key.value());
                    return ConversationStates.unread(counter, List.of(pair)).get(pair);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> waitsOnALock(marker));
            reader.commit();
        }
        // the racing count answered from its snapshot (4: the read was not committed), but did not keep it
        assertThat(stale.get()).isEqualTo(4);
        assertThat(kept(bob, key)).isEqualTo(1).isEqualTo(fromScratch(bob, key));
    }

    @Test
    void aRecallOfACountedMessage_lowersEverybodysKeptCount() throws SQLException {
        String alice = user("alice");
        String bob = user("bob");
        ConversationKey key = ConversationKey.of(alice, new ConversationRef(ConversationType.PEER, bob));
        List<Sent> sent = store(key, alice, bob, alice);
        assertThat(Map.of("alice", kept(alice, key), "bob", kept(bob, key))).containsEntry("alice", 1L)
                .containsEntry("bob", 2L);
        recall(key, sent.get(0));
        recall(key, sent.get(1));
        assertThat(kept(bob, key)).isEqualTo(1);
        assertThat(kept(alice, key)).isZero();
    }

    @Test
    void deletingAMessageOfAnotherConversation_isRefused_andChangesNoCount() throws SQLException {
        String alice = user("alice");
        String bob = user("bob");
        ConversationKey key = ConversationKey.of(alice, new ConversationRef(ConversationType.PEER, bob));
        store(key, alice, alice);
        assertThat(kept(bob, key)).isEqualTo(2);
        try {
            queries.deleteMessage(bob, key, MessageIds.next(System.currentTimeMillis()));
        } catch (ProtocolException expected) {
            // NOT_FOUND: the transaction rolled back, the kept count stays valid
        }
        assertThat(kept(bob, key)).isEqualTo(2).isEqualTo(fromScratch(bob, key));
    }

    private boolean waitsOnALock(String applicationName) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "select count(*) from pg_stat_activity where application_name = ? and wait_event_type = 'Lock'")) {
            select.setString(1, applicationName);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() && rows.getLong(1) > 0;
            }
        }
    }
}
