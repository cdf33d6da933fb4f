package im.history.messaging;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import im.history.config.HistoryConfig;
import im.history.persistence.BatchWriter;
import im.history.service.ConversationStates;
import im.pipeline.KafkaClients;
import im.protocol.Action;
import im.protocol.ConversationChanged;
import im.protocol.ConversationKey;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.MembershipView;
import im.protocol.Message;
import im.protocol.MessageIds;
import im.protocol.RecordHeaders;
import im.protocol.Sender;
import im.protocol.Topics;

/**
 * Live conversations (PROTOCOL v1.1 {@code conversationChanged} / {@code totalUnreadChanged}): after a stored batch
 * commits, and after a user's read or delete, history — where these facts are known — writes what each user now sees of
 * the conversation as a {@code conversationChanged} action to {@code im.messages.reliable}, keyed by the conversation
 * (so it follows the conversation's messages in its order), and routing pushes each user's part to all of their
 * sessions, as it pushes receipts. Per batch, one set-based computation for all affected (user, conversation) pairs and
 * one for the totals, never a query per message. Groups above {@code im.history.live.max-group-members} get none for
 * messages and recalls, rooms never. Best effort: computed on one thread of its own off the storing loop, in order
 * (the later event carries the later state), dropped with a count when it falls behind or fails; the stored messages
 * stay the truth and storage never waits for or stops on these events.
 */
@ApplicationScoped
public class LiveConversations {
    private static final Logger LOG = Logger.getLogger(LiveConversations.class);

    @Inject
    HistoryConfig config;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    MembershipView membership;

    @Inject
    KafkaClients kafka;

    @Inject
    MeterRegistry metrics;

    /** Conversations pending in {@link #pending} at most; past it a batch's new ones are dropped (counted). */
    private static final int PENDING_MAX = 100_000;

    private ThreadPoolExecutor worker;
    /** Conversations stored since the worker last took them, by key (guarded by itself). */
    private final Map<String, BatchWriter.Touched> pending = new LinkedHashMap<>();
    private boolean scheduled;
    /** When the worker last took the pending conversations (epoch ms). */
    private volatile long lastRun;
    private Counter published;
    private Counter dropped;

    @PostConstruct
    void init() {
        worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(config.live().queue()),
                runnable -> {
                    Thread thread = new Thread(runnable, "history-live");
                    thread.setDaemon(true);
                    return thread;
                });
        published = metrics.counter("im.history.live.published");
        dropped = metrics.counter("im.history.live.dropped");
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }

    /**
     * The conversations a stored batch changed: their users' new state, computed and written off the storing thread.
     * Batches stored while the worker is busy are merged and published together: each event is a snapshot of the state
     * when it is computed, so under load one set of queries and one record per conversation covers many batches instead
     * of one per batch.
     */
    public void stored(List<BatchWriter.Touched> touched) {
        if (!config.live().enabled() || touched.isEmpty()) {
            return;
        }
        boolean schedule;
        synchronized (pending) {
            for (BatchWriter.Touched conversation : touched) {
                if (pending.size() >= PENDING_MAX && !pending.containsKey(conversation.conversationKey())) {
                    dropped.increment();
                    continue;
                }
                pending.merge(conversation.conversationKey(), conversation, LiveConversations::merged);
            }
            schedule = !scheduled;
            scheduled = true;
        }
        if (schedule) {
            // at most one computation per min-interval: the batches stored meanwhile join this one
            long wait = Math.max(0, lastRun + config.live().minInterval().toMillis() - System.currentTimeMillis());
            Runnable hand = () -> {
                if (!submit(this::publishPending)) {
                    synchronized (pending) {
                        scheduled = false; // the next batch tries again, with these conversations still pending
                    }
                }
            };
            if (wait == 0) {
                hand.run();
            } else {
                CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS).execute(hand);
            }
        }
    }

    private void publishPending() {
        lastRun = System.currentTimeMillis();
        List<BatchWriter.Touched> touched;
        synchronized (pending) {
            touched = List.copyOf(pending.values());
            pending.clear();
            scheduled = false;
        }
        publishBatch(touched);
    }

    private static BatchWriter.Touched merged(BatchWriter.Touched a, BatchWriter.Touched b) {
        Set<String> senders = new HashSet<>(a.senders());
        senders.addAll(b.senders());
        return new BatchWriter.Touched(a.conversationKey(), senders, a.recalled() || b.recalled());
    }

    /**
     * The caller's unread count in {@code key} before a read or a delete, to tell afterwards whether their total changed;
     * null when unknown (the total is sent then).
     */
    public Long unreadBefore(String userId, ConversationKey key) {
        if (!config.live().enabled() || key.type() == ConversationType.ROOM) {
            return null;
        }
        try (Connection connection = dataSource.getConnection()) {
            ConversationStates.Pair pair = new ConversationStates.Pair(userId, key.value());
            return ConversationStates.of(connection, List.of(pair)).get(pair).unreadCount();
        } catch (SQLException | RuntimeException e) {
            LOG.debugf(e, "unread count of %s before a change not read", userId);
            return null;
        }
    }

    /**
     * One user read, cleared, deleted in or removed {@code key}: their sessions get its new state, and the total when it
     * changed. Whatever the group's size: it is one user.
     */
    public void userChanged(String userId, ConversationKey key, Long unreadBefore, boolean removed) {
        if (config.live().enabled() && key.type() != ConversationType.ROOM) {
            submit(() -> publishUser(userId, key, unreadBefore, removed));
        }
    }

    /** Hands the task to the worker; false (counted as dropped) when its queue is full. */
    private boolean submit(Runnable task) {
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    dropped.increment();
                    LOG.warnf(e, "live conversation events not written (best effort; the next change sends the state again)");
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            dropped.increment();
            return false;
        }
    }

    private void publishBatch(List<BatchWriter.Touched> touched) {
        Map<String, List<String>> usersOf = new LinkedHashMap<>();
        Set<String> totalsFor = new HashSet<>();
        for (BatchWriter.Touched conversation : touched) {
            ConversationKey key = ConversationKey.parse(conversation.conversationKey());
            List<String> users = switch (key.type()) {
                case PEER -> List.of(key.first(), key.second());
                case GROUP -> {
                    Set<String> members = membership.members(key.first());
                    yield members.size() > config.live().maxGroupMembers() ? List.of() : List.copyOf(members);
                }
                case ROOM -> List.of();
            };
            if (users.isEmpty()) {
                continue;
            }
            usersOf.put(key.value(), users);
            for (String user : users) {
                // a message from somebody else raised the user's unread; a recall may have lowered anybody's
                if (conversation.recalled() || conversation.senders().stream().anyMatch(s -> !s.equals(user))) {
                    totalsFor.add(user);
                }
            }
        }
        if (usersOf.isEmpty()) {
            return;
        }
        List<ConversationStates.Pair> pairs = new ArrayList<>();
        usersOf.forEach((key, users) -> users.forEach(user -> pairs.add(new ConversationStates.Pair(user, key))));
        try (Connection connection = dataSource.getConnection()) {
            Map<ConversationStates.Pair, ConversationStates.State> states = ConversationStates.of(connection, pairs);
            Map<String, Long> updatedAt = updatedAt(connection, usersOf.keySet());
            Map<String, Long> totals = totals(connection, totalsFor);
            // each user's total goes once per batch, with the last of their conversations in it
            Map<String, String> totalWith = new HashMap<>();
            usersOf.forEach((key, users) -> users.stream()
                    .filter(u -> totalsFor.contains(u) && !states.get(new ConversationStates.Pair(u, key)).removed())
                    .forEach(u -> totalWith.put(u, key)));
            usersOf.forEach((key, users) -> {
                List<UserChange> changes = new ArrayList<>();
                for (String user : users) {
                    ConversationStates.State state = states.get(new ConversationStates.Pair(user, key));
                    // a recall in a conversation the user removed from their list must not bring it back
                    if (!state.removed()) {
                        changes.add(new UserChange(user, state, key.equals(totalWith.get(user)) ? totals.get(user) : null,
                                false));
                    }
                }
                if (!changes.isEmpty()) {
                    publish(ConversationKey.parse(key), updatedAt.getOrDefault(key, 0L), changes);
                }
            });
        } catch (SQLException e) {
            throw new IllegalStateException("reading the live conversation state failed", e);
        }
    }

    private void publishUser(String userId, ConversationKey key, Long unreadBefore, boolean removed) {
        try (Connection connection = dataSource.getConnection()) {
            ConversationStates.Pair pair = new ConversationStates.Pair(userId, key.value());
            ConversationStates.State state = ConversationStates.of(connection, List.of(pair)).get(pair);
            Long total = unreadBefore != null && unreadBefore == state.unreadCount()
                    ? null
                    : totals(connection, Set.of(userId)).getOrDefault(userId, 0L);
            publish(key, updatedAt(connection, Set.of(key.value())).getOrDefault(key.value(), 0L),
                    List.of(new UserChange(userId, state, total, removed || state.removed())));
        } catch (SQLException e) {
            throw new IllegalStateException("reading the live conversation state failed", e);
        }
    }

    /** A user's part of one event. */
    private record UserChange(String userId, ConversationStates.State state, Long total, boolean removed) {}

    /**
     * Writes the event of one conversation: one record per distinct last message (users who deleted the newest one for
     * themselves see another), at most {@link ConversationChanged#MAX_USERS} users each.
     */
    private void publish(ConversationKey key, long updatedAt, List<UserChange> changes) {
        Map<String, List<UserChange>> byLast = new LinkedHashMap<>();
        Map<String, Message> lastMessages = new HashMap<>();
        for (UserChange change : changes) {
            Message last = change.state().lastMessage();
            String id = last == null ? "" : last.messageId();
            lastMessages.putIfAbsent(id, last);
            byLast.computeIfAbsent(id, k -> new ArrayList<>()).add(change);
        }
        byLast.forEach((id, group) -> {
            for (int from = 0; from < group.size(); from += ConversationChanged.MAX_USERS) {
                List<ConversationChanged.UserState> users = group
                        .subList(from, Math.min(group.size(), from + ConversationChanged.MAX_USERS)).stream()
                        .map(LiveConversations::userState).toList();
                write(key, new ConversationChanged(lastMessages.get(id), updatedAt, users));
            }
        });
    }

    private static ConversationChanged.UserState userState(UserChange change) {
        List<ConversationChanged.Mention> mentions = change.state().mentions().stream()
                .limit(ConversationChanged.MAX_MENTIONS)
                .map(m -> new ConversationChanged.Mention(m.messageId(), m.orderKey(), m.senderId(), m.all())).toList();
        return new ConversationChanged.UserState(change.userId(), change.state().unreadCount(), mentions, change.total(),
                change.removed() ? Boolean.TRUE : null);
    }

    private void write(ConversationKey key, ConversationChanged changed) {
        // addressed as if by the first user it names: the envelope's sender and to must give the conversation's key
        String about = changed.users().get(0).userId();
        long now = System.currentTimeMillis();
        Envelope envelope = new Envelope(Envelope.VERSION, MessageIds.next(now), null, key.value(), key.viewFor(about),
                new Sender(about, null), now, null, null, null, null, null, null, Action.conversationChanged(changed));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.MESSAGES_RELIABLE, key.value(),
                JsonCodec.encodeBytes(envelope));
        record.headers().add(RecordHeaders.TYPE, Action.CONVERSATION_CHANGED.getBytes(StandardCharsets.UTF_8));
        kafka.reliable().send(record).whenComplete((metadata, failure) -> {
            if (failure == null) {
                published.increment();
            } else {
                dropped.increment();
                LOG.debugf(failure, "a conversationChanged event for %s was not written", key);
            }
        });
    }

    private static Map<String, Long> updatedAt(Connection connection, Set<String> keys) throws SQLException {
        Map<String, Long> updated = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "select conversation_key, updated_at from conversation where conversation_key = any(?)")) {
            select.setArray(1, connection.createArrayOf("varchar", keys.toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    updated.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        return updated;
    }

    /** The unread totals of these users over every conversation of theirs (peers stored here, groups from membership). */
    private Map<String, Long> totals(Connection connection, Set<String> users) throws SQLException {
        if (users.isEmpty()) {
            return Map.of();
        }
        List<ConversationStates.Pair> all = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "select user_id, conversation_key from conversation_participant where user_id = any(?)")) {
            select.setArray(1, connection.createArrayOf("varchar", users.toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    all.add(new ConversationStates.Pair(rows.getString(1), rows.getString(2)));
                }
            }
        }
        for (String user : users) {
            membership.groupsOf(user).forEach(group -> all.add(new ConversationStates.Pair(user, "group/" + group)));
        }
        Map<String, Long> totals = new HashMap<>(ConversationStates.totals(connection, all));
        users.forEach(user -> totals.putIfAbsent(user, 0L));
        return totals;
    }
}
