package im.history.notification;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;

import io.micrometer.core.instrument.MeterRegistry;

import im.history.config.HistoryConfig;
import im.history.persistence.BatchWriter;
import im.history.service.ConversationStates;
import im.pipeline.Failures;
import im.pipeline.KafkaClients;
import im.protocol.ConversationKey;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.MembershipView;
import im.protocol.Mentions;
import im.protocol.MessageType;
import im.protocol.Notification;
import im.protocol.RecordHeaders;
import im.protocol.Topics;

/**
 * {@code im.notifications} (PROTOCOL v1.1): for each message a batch newly stored, one record per recipient with no online
 * session ({@link OnlineUsers}), carrying the recipient's unread counts. Runs inside the batch's transaction, after the
 * inserts and before the commit, so the counts include the batch and the batch commits only once Kafka has the
 * notifications: a failure rolls the batch back and the retry stores and notifies again (at least once; a message stored
 * by an earlier pass is not notified again). Two statements per batch, whatever its size: the peer conversations of the
 * recipients, and the unread counts of every (recipient, conversation) pair ({@link ConversationStates#unread}: the same
 * counts as the conversation list, kept in {@code unread_count}).
 * <p>
 * Recipients: peer, the other user; group, the members but the sender, or only the mentioned members when the group has
 * more than {@code max-group-members}; rooms and server-generated tips, nobody. Messages older than {@code max-age} (a
 * rebuild of the tables from Kafka, a long outage) are not notified.
 */
@ApplicationScoped
public class Notifier {
    private static final String PEER_CONVERSATIONS = "select user_id, conversation_key from conversation_participant "
            + "where user_id = any(?::varchar[])";

    private record Pending(String userId, BatchWriter.Stamped message) {}

    @Inject
    HistoryConfig config;

    @Inject
    OnlineUsers online;

    @Inject
    MembershipView membership;

    @Inject
    KafkaClients kafka;

    @Inject
    MeterRegistry metrics;

    /**
     * Writes the notifications of {@code stored} (messages this batch inserted, in batch order) and waits until Kafka has
     * them; throws (rolling the batch back) when it does not. Each continues the trace of its message ({@code traceparents}
     * by messageId, as the records carried them; none: a new trace).
     */
    public void notify(Connection connection, List<BatchWriter.Stamped> stored, Map<String, byte[]> traceparents)
            throws SQLException {
        if (!config.notifications().enabled() || stored.isEmpty()) {
            return;
        }
        List<Notification> notifications = notifications(connection, stored);
        if (notifications.isEmpty()) {
            return;
        }
        CompletableFuture<?>[] sends = notifications.stream().map(notification -> {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.NOTIFICATIONS, notification.userId(),
                    JsonCodec.encodeBytes(notification));
            record.headers().add(RecordHeaders.TYPE, Notification.TYPE.getBytes(StandardCharsets.UTF_8));
            byte[] traceparent = traceparents.get(notification.messageId());
            if (traceparent != null) {
                record.headers().add(RecordHeaders.TRACEPARENT, traceparent);
            }
            return kafka.reliable().send(record);
        }).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(sends).get(config.notifications().produceTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failures.Transient("interrupted while writing notifications", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new Failures.Transient("notifications not written: " + e, e);
        }
        metrics.counter("im.history.notifications").increment(notifications.size());
    }

    /** The notifications of {@code stored}, counts included (package-private for tests). */
    List<Notification> notifications(Connection connection, List<BatchWriter.Stamped> stored) throws SQLException {
        long oldest = System.currentTimeMillis() - config.notifications().maxAge().toMillis();
        List<Pending> pending = new ArrayList<>();
        Map<String, Boolean> onlineNow = new HashMap<>();
        for (BatchWriter.Stamped message : stored) {
            Envelope envelope = message.envelope();
            if (envelope.message() == null || envelope.message().type() == MessageType.TIPS
                    || envelope.timestamp() < oldest) {
                continue;
            }
            for (String recipient : recipients(message)) {
                if (!onlineNow.computeIfAbsent(recipient, online::isOnline)) {
                    pending.add(new Pending(recipient, message));
                }
            }
        }
        if (pending.isEmpty()) {
            return List.of();
        }
        Set<String> users = new LinkedHashSet<>();
        pending.forEach(p -> users.add(p.userId()));
        Map<String, Map<String, Long>> unread = unread(connection, users);
        Map<String, Long> totals = new HashMap<>();
        unread.forEach((user, counts) -> totals.put(user, counts.values().stream().mapToLong(Long::longValue).sum()));
        // the orderKeys the batch stored, per conversation and per (conversation, sender), sorted: how many of a
        // conversation's messages came after a given one, and how many of those by a given user, by binary search
        Map<String, long[]> byConversation = orderKeys(stored, s -> s.key().value());
        Map<String, long[]> bySender = orderKeys(stored, s -> s.key().value() + '\n' + s.envelope().sender().id());
        List<Notification> out = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            Envelope envelope = p.message().envelope();
            String key = p.message().key().value();
            long orderKey = p.message().orderKey();
            // the counts are as of the end of the batch: this message's own count leaves out the batch's later
            // messages of the same conversation by others
            long later = after(byConversation.get(key), orderKey) - after(bySender.get(key + '\n' + p.userId()), orderKey);
            long conversationUnread = Math.max(1,
                    unread.getOrDefault(p.userId(), Map.of()).getOrDefault(key, 1L) - later);
            long totalUnread = Math.max(conversationUnread, totals.getOrDefault(p.userId(), 1L) - later);
            Mentions mentions = envelope.mentions();
            boolean mentioned = mentions != null && (mentions.all()
                    || (mentions.userIds() != null && mentions.userIds().contains(p.userId())));
            out.add(new Notification(Notification.VERSION, p.userId(), p.message().key().viewFor(p.userId()),
                    envelope.messageId(), p.message().orderKey(), envelope.sender().id(), envelope.sender().name(),
                    envelope.timestamp(), Notification.preview(envelope.message()), conversationUnread, totalUnread,
                    mentioned));
        }
        return out;
    }

    private static Map<String, long[]> orderKeys(List<BatchWriter.Stamped> stored,
            Function<BatchWriter.Stamped, String> group) {
        Map<String, List<Long>> lists = new HashMap<>();
        for (BatchWriter.Stamped s : stored) {
            lists.computeIfAbsent(group.apply(s), k -> new ArrayList<>()).add(s.orderKey());
        }
        Map<String, long[]> sorted = new HashMap<>();
        lists.forEach((k, list) -> {
            long[] keys = list.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(keys);
            sorted.put(k, keys);
        });
        return sorted;
    }

    /** How many of {@code sorted} are greater than {@code orderKey} (0 for none). */
    private static int after(long[] sorted, long orderKey) {
        if (sorted == null) {
            return 0;
        }
        int at = Arrays.binarySearch(sorted, orderKey);
        int firstGreater = at >= 0 ? at + 1 : -at - 1;
        while (firstGreater < sorted.length && sorted[firstGreater] <= orderKey) {
            firstGreater++;
        }
        return sorted.length - firstGreater;
    }

    /** Who may get a notification of {@code message}: its recipients but the sender, online or not. */
    private Set<String> recipients(BatchWriter.Stamped message) {
        ConversationKey key = message.key();
        String sender = message.envelope().sender().id();
        Set<String> recipients = new LinkedHashSet<>();
        if (key.type() == ConversationType.PEER) {
            recipients.add(key.first().equals(sender) ? key.second() : key.first());
        } else if (key.type() == ConversationType.GROUP) {
            Set<String> members = membership.members(key.first());
            if (members.size() <= config.notifications().maxGroupMembers()) {
                recipients.addAll(members);
            } else {
                Mentions mentions = message.envelope().mentions();
                if (mentions != null && mentions.userIds() != null) {
                    mentions.userIds().stream().filter(members::contains).forEach(recipients::add);
                }
            }
        }
        recipients.remove(sender);
        return recipients;
    }

    /** userId → conversation key → unread count, over every conversation of each user (peer and group). */
    private Map<String, Map<String, Long>> unread(Connection connection, Set<String> users) throws SQLException {
        List<String> pairUsers = new ArrayList<>();
        List<String> pairKeys = new ArrayList<>();
        try (PreparedStatement peers = connection.prepareStatement(PEER_CONVERSATIONS)) {
            peers.setArray(1, connection.createArrayOf("varchar", users.toArray()));
            try (ResultSet rows = peers.executeQuery()) {
                while (rows.next()) {
                    pairUsers.add(rows.getString(1));
                    pairKeys.add(rows.getString(2));
                }
            }
        }
        for (String user : users) {
            for (String group : membership.groupsOf(user)) {
                pairUsers.add(user);
                pairKeys.add(new ConversationKey(ConversationType.GROUP, group, null).value());
            }
        }
        List<ConversationStates.Pair> pairs = new ArrayList<>(pairUsers.size());
        for (int i = 0; i < pairUsers.size(); i++) {
            pairs.add(new ConversationStates.Pair(pairUsers.get(i), pairKeys.get(i)));
        }
        Map<String, Map<String, Long>> unread = new LinkedHashMap<>();
        ConversationStates.unread(connection, pairs).forEach((pair, count) -> unread
                .computeIfAbsent(pair.userId(), u -> new HashMap<>()).put(pair.conversationKey(), count));
        return unread;
    }
}
