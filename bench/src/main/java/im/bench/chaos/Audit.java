package im.bench.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The four figures, from the clients' records and history's {@code message} table (read straight from PostgreSQL once
 * everything has drained). A figure that cannot be determined (the database does not answer) stays null and is printed
 * as such.
 */
final class Audit {
    static final int EXAMPLES = 5;

    /** A stored row of one of this run's messages. */
    record Row(String clientMsgId, String messageId, long orderKey, String conversationKey, String senderId) {}

    String error;
    long storedRows = -1;
    Long lost;
    Long duplicateRows;
    Long duplicateContent;
    Long orderViolations;
    long orderConversations;
    Long silentMisses;
    long got;
    long gotByPush;
    long gotBySyncOnly;
    long gapNotFilled;
    long reconnectSyncTooEarly;
    long offlineToEnd;
    long neverAcked;
    long refused;
    long storedNotAcked;
    long ackedOtherMessageId;
    long pushedNotStored;
    long strangers;
    /** Of the lost: how many Kafka has (history did not store them) and how many never reached it; -1 unknown. */
    long lostInKafka = -1;
    long lostNotInKafka = -1;
    /** clientMsgIds written to im.messages.reliable more than once (resends through another node), -1 unknown. */
    long writtenTwice = -1;
    final Map<String, Long> missCauses = new TreeMap<>();
    final Map<String, Long> missByWindow = new LinkedHashMap<>();
    final Map<String, Long> lostByWindow = new LinkedHashMap<>();
    final List<String> lostExamples = new ArrayList<>();
    final Set<String> lostIds = new HashSet<>();
    final List<String> duplicateExamples = new ArrayList<>();
    final List<String> orderExamples = new ArrayList<>();
    final List<String> missExamples = new ArrayList<>();

    static Audit run(Fleet fleet, ChaosStack stack, List<Faults.Hit> hits, long start) {
        Audit audit = runDatabase(fleet, stack, hits, start);
        Map<String, Integer> inKafka = TopicScan.records(stack.bootstrap, ChaosStack.MESSAGE_PARTITIONS, "s" + fleet.run
                + "-", Duration.ofSeconds(90));
        if (inKafka != null) {
            audit.writtenTwice = inKafka.values().stream().filter(n -> n > 1).count();
            if (audit.lost != null) {
                audit.lostInKafka = 0;
                audit.lostNotInKafka = 0;
                for (Fleet.Conv conv : fleet.convs) {
                    synchronized (conv) {
                        for (Fleet.Msg m : conv.msgs) {
                            if (m.ackAt != 0 && audit.lostIds.contains(m.clientMsgId)) {
                                if (inKafka.containsKey(m.clientMsgId)) {
                                    audit.lostInKafka++;
                                } else {
                                    audit.lostNotInKafka++;
                                }
                            }
                        }
                    }
                }
            }
        }
        return audit;
    }

    private static Audit runDatabase(Fleet fleet, ChaosStack stack, List<Faults.Hit> hits, long start) {
        Audit audit = new Audit();
        Map<String, Row> stored = new HashMap<>();
        String prefix = "s" + fleet.run + "-%";
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), stack.dbUser(), stack.dbPassword())) {
            db.setAutoCommit(false);
            try (PreparedStatement rows = db.prepareStatement("select client_msg_id, message_id, order_key, "
                    + "conversation_key, sender_id from message where sender_id like ? order by order_key")) {
                rows.setFetchSize(5_000);
                rows.setString(1, prefix);
                long n = 0;
                try (ResultSet r = rows.executeQuery()) {
                    while (r.next()) {
                        n++;
                        Row row = new Row(r.getString(1), r.getString(2), r.getLong(3), r.getString(4), r.getString(5));
                        Row first = stored.putIfAbsent(row.clientMsgId() == null ? "?" + n : row.clientMsgId(), row);
                        if (first != null && audit.duplicateExamples.size() < EXAMPLES) {
                            audit.duplicateExamples.add(row.clientMsgId() + " stored as " + first.messageId() + " (orderKey "
                                    + first.orderKey() + ") and " + row.messageId() + " (orderKey " + row.orderKey() + ")");
                        }
                    }
                }
                audit.storedRows = n;
            }
            audit.duplicateRows = single(db, "select coalesce(sum(n - 1), 0) from (select count(*) n from message "
                    + "where sender_id like ? group by conversation_key, sender_id, client_msg_id having count(*) > 1) d",
                    prefix);
            audit.duplicateContent = single(db, "select coalesce(sum(n - 1), 0) from (select count(distinct message_id) n "
                    + "from message where sender_id like ? group by body::jsonb ->> 'text' "
                    + "having count(distinct message_id) > 1) d", prefix);
        } catch (Exception e) {
            audit.error = "history's database could not be read: " + e;
            return audit;
        }
        audit.compute(fleet, stored, hits, start);
        return audit;
    }

    private static long single(Connection db, String sql, String prefix) throws Exception {
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            statement.setString(1, prefix);
            try (ResultSet r = statement.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private void compute(Fleet fleet, Map<String, Row> stored, List<Faults.Hit> hits, long start) {
        long lostCount = 0;
        long outOfOrder = 0;
        long misses = 0;
        int known = 0;
        for (Fleet.Conv conv : fleet.convs) {
            synchronized (conv) {
                long highest = -1;
                boolean convOutOfOrder = false;
                List<Fleet.Msg> storedMsgs = new ArrayList<>();
                for (Fleet.Msg m : conv.msgs) {
                    Row row = stored.get(m.clientMsgId);
                    if (row != null) {
                        known++;
                        storedMsgs.add(m);
                    }
                    if (m.failedCode != null) {
                        refused++;
                    } else if (m.ackAt == 0) {
                        neverAcked++;
                    }
                    if (m.ackAt != 0 && row == null) {
                        lostCount++;
                        lostIds.add(m.clientMsgId);
                        count(lostByWindow, window(m.ackAt, hits));
                        if (lostExamples.size() < EXAMPLES) {
                            lostExamples.add(String.format(Locale.ROOT, "%s acked at t=%.1fs as %s orderKey %d after %d "
                                    + "write(s) via %s; %s", m.clientMsgId, (m.ackAt - start) / 1e9, m.ackMessageId,
                                    m.ackOrderKey, m.attempts, nodes(m.nodesMask), m.got()
                                            ? "the receiver got it"
                                            : "never "
                                                    + "seen by the receiver"));
                        }
                    }
                    if (m.ackAt == 0 && row != null) {
                        storedNotAcked++;
                    }
                    if (m.ackAt != 0 && row != null && !row.messageId().equals(m.ackMessageId)) {
                        ackedOtherMessageId++;
                    }
                    if (row == null && m.pushedAt != 0) {
                        pushedNotStored++;
                    }
                    if (row != null) {
                        if (row.orderKey() < highest) {
                            outOfOrder++;
                            convOutOfOrder = true;
                            if (orderExamples.size() < EXAMPLES) {
                                orderExamples.add(String.format(Locale.ROOT, "%s (seq %d) stored at orderKey %d, below "
                                        + "orderKey %d of an earlier message of the same sender in %s", m.clientMsgId,
                                        m.seq, row.orderKey(), highest, conv.key));
                            }
                        }
                        highest = Math.max(highest, row.orderKey());
                    }
                }
                if (convOutOfOrder) {
                    orderConversations++;
                }
                storedMsgs.sort(Comparator.comparingLong(m -> stored.get(m.clientMsgId).orderKey()));
                for (int i = 0; i < storedMsgs.size(); i++) {
                    Fleet.Msg m = storedMsgs.get(i);
                    long orderKey = stored.get(m.clientMsgId).orderKey();
                    if (m.got()) {
                        got++;
                        if (m.pushedAt != 0) {
                            gotByPush++;
                        } else {
                            gotBySyncOnly++;
                        }
                        continue;
                    }
                    if (inFailedGap(conv, orderKey)) {
                        gapNotFilled++;
                        continue;
                    }
                    long t = m.ackAt != 0 ? m.ackAt : m.lastSentAt;
                    if (conv.receiver.reconnectedAfter(t)) {
                        // it had a reason to sync and did, but history had not stored the message yet
                        reconnectSyncTooEarly++;
                        continue;
                    }
                    if (!conv.receiver.onlineAt(t)) {
                        offlineToEnd++;
                        continue;
                    }
                    misses++;
                    String cause = cause(i + 1 < storedMsgs.size() ? storedMsgs.get(i + 1) : null, orderKey);
                    count(missCauses, cause);
                    count(missByWindow, window(t, hits));
                    if (missExamples.size() < EXAMPLES) {
                        missExamples.add(String.format(Locale.ROOT, "%s orderKey %d acked at t=%.1fs to %s (online on "
                                + "%s): %s", m.clientMsgId, orderKey, (t - start) / 1e9, conv.receiver.id,
                                intervals(conv.receiver, start), cause));
                    }
                }
            }
        }
        strangers = storedRows - known - (duplicateRows == null ? 0 : duplicateRows);
        lost = lostCount;
        orderViolations = outOfOrder;
        silentMisses = misses;
    }

    /** Why a receiver could not see that it missed a message: what the next stored message's push told it. */
    private static String cause(Fleet.Msg next, long orderKey) {
        if (next == null) {
            return "last message of its conversation: no later push could reveal the gap";
        }
        if (next.pushedAt == 0) {
            return "the next message was not pushed either";
        }
        if (next.pushPrev < 0) {
            return "the next push carried no prevOrderKey";
        }
        if (next.pushPrev < orderKey) {
            return "the next push's prevOrderKey skipped it";
        }
        return "the next push named it, but the receiver already held a newer orderKey";
    }

    private static boolean inFailedGap(Fleet.Conv conv, long orderKey) {
        for (long[] gap : conv.failedGaps) {
            if (gap[0] < orderKey && orderKey <= gap[1]) {
                return true;
            }
        }
        return false;
    }

    /** The fault window a time falls in: before any fault, or after the last fault that hit before it. */
    static String window(long t, List<Faults.Hit> hits) {
        String window = "before any fault";
        for (Faults.Hit hit : hits) {
            if (t >= hit.at()) {
                window = "after " + hit.what();
            }
        }
        return window;
    }

    private static void count(Map<String, Long> map, String key) {
        map.merge(key, 1L, Long::sum);
    }

    private static String nodes(int mask) {
        List<String> names = new ArrayList<>();
        for (int node = 0; node < 2; node++) {
            if ((mask & (1 << node)) != 0) {
                names.add("gw-" + (node + 1));
            }
        }
        return String.join("+", names);
    }

    private static String intervals(Fleet.User user, long start) {
        StringBuilder out = new StringBuilder();
        for (long[] interval : user.intervals()) {
            out.append(out.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f–%s",
                    (interval[0] - start) / 1e9, interval[1] == Long.MAX_VALUE
                            ? "end"
                            : String.format(Locale.ROOT, "%.1f", (interval[1] - start) / 1e9)));
        }
        return out.toString();
    }
}
