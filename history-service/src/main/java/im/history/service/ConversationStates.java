package im.history.service;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.postgresql.PGStatement;

import im.protocol.JsonCodec;
import im.protocol.Message;

/**
 * What one user sees of a conversation — unread count, pending mentions, last visible message — for many (user,
 * conversation) pairs at once, in set-based statements: the conversation list's page, a stored batch's recipients and
 * the totals of {@code totalUnreadChanged} all count alike. A message counts for a user when it is after their read
 * position and their clear and removal watermarks, was sent by somebody else, is not recalled and not deleted for them.
 */
public final class ConversationStates {

    /** A (user, conversation) pair. */
    public record Pair(String userId, String conversationKey) {}

    /**
     * One user's view of one conversation.
     *
     * @param unreadCount messages after my read position (and watermarks), from others, not recalled or deleted for me
     * @param mentions pending mentions of me, oldest first
     * @param lastMessage the newest message I still see; null when I cleared or deleted them all
     * @param removed whether I removed the conversation from my list and no newer message brought it back
     */
    public record State(long unreadCount, List<HistoryQueries.Mention> mentions, Message lastMessage, boolean removed) {}

    /** The floor below which nothing counts for the user: read position, clear and removal. */
    private static final String FLOOR = "greatest(coalesce(r.read_order_key, -1), coalesce(w.cleared_order_key, -1), "
            + "coalesce(w.removed_order_key, -1))";
    /** A message the user still sees (alias {@code m}, pair {@code p}, watermark {@code w}). */
    static final String VISIBLE = "m.order_key > coalesce(w.cleared_order_key, -1) and m.sent_at > coalesce(w.cleared_at, -1) "
            + "and not exists (select 1 from deleted_message d where d.user_id = p.user_id "
            + "and d.conversation_key = m.conversation_key and d.order_key = m.order_key)";
    private static final String PAIRS = "from unnest(?::varchar[], ?::varchar[]) as p(user_id, conversation_key) "
            + "left join read_state r on r.user_id = p.user_id and r.conversation_key = p.conversation_key "
            + "left join conversation_watermark w on w.user_id = p.user_id and w.conversation_key = p.conversation_key ";
    /**
     * The unread counts of the pairs, kept in {@code unread_count} (migration V6): a valid row's count plus the messages
     * stored after it, else a full count; the new counts are written back in the same statement (in key order, so
     * concurrent statements lock rows alike), only where they moved forward and only if no read, clear, removal or
     * delete of the user's changed the row since it was read (the pair_generation). A valid row that already counts up to
     * the conversation's last message is not written at all: an upsert locks the row even when its condition leaves it
     * as it is, and a lock is a write of the row's page.
     */
    private static final String UNREAD_COUNTS = "with p as (select distinct on (user_id, conversation_key) * "
            + "from unnest(?::varchar[], ?::varchar[]) as p(user_id, conversation_key)), "
            + "s as (select p.user_id, p.conversation_key, c.last_order_key, c.recall_generation, "
            + "coalesce(u.pair_generation, 0) as pair_generation, "
            + "(u.unread is not null and u.conversation_generation = c.recall_generation) as cached, u.unread as counted, "
            + "u.upto_order_key, " + FLOOR + " as floor_key, w.cleared_order_key, w.cleared_at "
            + "from p left join read_state r on r.user_id = p.user_id and r.conversation_key = p.conversation_key "
            + "left join conversation_watermark w on w.user_id = p.user_id and w.conversation_key = p.conversation_key "
            + "left join conversation c on c.conversation_key = p.conversation_key "
            + "left join unread_count u on u.user_id = p.user_id and u.conversation_key = p.conversation_key), "
            + "n as (select s.*, case when s.cached then s.counted else 0 end + (select count(*) from message m "
            + "where m.conversation_key = s.conversation_key and m.order_key <= s.last_order_key and m.order_key > "
            + "case when s.cached then greatest(s.upto_order_key, s.floor_key) else s.floor_key end "
            + "and m.sender_id <> s.user_id and m.revoked_at is null "
            + "and m.order_key > coalesce(s.cleared_order_key, -1) and m.sent_at > coalesce(s.cleared_at, -1) "
            + "and not exists (select 1 from deleted_message d where d.user_id = s.user_id "
            + "and d.conversation_key = m.conversation_key and d.order_key = m.order_key)) as unread_now from s), "
            + "w as (insert into unread_count (user_id, conversation_key, unread, upto_order_key, conversation_generation, "
            + "pair_generation) select user_id, conversation_key, unread_now, last_order_key, recall_generation, "
            + "pair_generation from n where last_order_key is not null "
            + "and not (cached and upto_order_key = last_order_key) order by user_id, conversation_key "
            + "on conflict (user_id, conversation_key) do update set unread = excluded.unread, "
            + "upto_order_key = excluded.upto_order_key, conversation_generation = excluded.conversation_generation "
            + "where unread_count.pair_generation = excluded.pair_generation and (unread_count.unread is null "
            + "or unread_count.upto_order_key < excluded.upto_order_key "
            + "or unread_count.conversation_generation <> excluded.conversation_generation)) ";
    private static final String UNREAD = UNREAD_COUNTS + "select user_id, conversation_key, unread_now from n";
    /**
     * Forgets one user's count of one conversation, in the transaction of the read, clear, removal or delete that
     * changed it: a count computed from an older snapshot finds pair_generation moved and is not written back.
     */
    private static final String INVALIDATE = "insert into unread_count (user_id, conversation_key, unread, upto_order_key, "
            + "conversation_generation, pair_generation) values (?, ?, null, -1, -1, 1) "
            + "on conflict (user_id, conversation_key) do update set unread = null, "
            + "pair_generation = unread_count.pair_generation + 1";
    /** Unread counts, last visible message and removal, from one snapshot. */
    private static final String STATES = UNREAD_COUNTS + "select p.user_id, p.conversation_key, p.unread_now, "
            + "(select m.body from message m where m.conversation_key = p.conversation_key and " + VISIBLE
            + " order by m.order_key desc limit 1), w.removed_order_key >= p.last_order_key from n p "
            + "left join conversation_watermark w on w.user_id = p.user_id and w.conversation_key = p.conversation_key";
    /** Mentions through the partial index {@code message_mentions}: its predicate is repeated so the planner uses it. */
    private static final String MENTIONS = "select p.user_id, p.conversation_key, m.message_id, m.order_key, m.sender_id, "
            + "m.mentions_all " + PAIRS + "join message m on m.conversation_key = p.conversation_key and m.order_key > " + FLOOR
            + " and (m.mentions_all or m.mentioned is not null) and m.sender_id <> p.user_id and m.revoked_at is null "
            + "and (m.mentions_all or p.user_id = any(m.mentioned)) and " + VISIBLE + " order by m.order_key";

    private ConversationStates() {
    }

    /** The states of these pairs (two statements whatever their number), in the pairs' order. */
    public static Map<Pair, State> of(Connection connection, List<Pair> pairs) throws SQLException {
        Map<Pair, State> states = new LinkedHashMap<>();
        if (pairs.isEmpty()) {
            return states;
        }
        // the counts first, the mentions after: a batch committed in between shows in the mentions (never a count
        // without its mention)
        record Counted(long unread, Message lastMessage, boolean removed) {}
        Map<Pair, Counted> counted = new HashMap<>();
        try (PreparedStatement select = prepare(connection, STATES, pairs); ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                String body = rows.getString(4);
                counted.put(new Pair(rows.getString(1), rows.getString(2)), new Counted(rows.getLong(3),
                        body == null ? null : JsonCodec.decode(body, Message.class), rows.getBoolean(5)));
            }
        }
        Map<Pair, List<HistoryQueries.Mention>> mentions = new HashMap<>();
        try (PreparedStatement select = prepare(connection, MENTIONS, pairs); ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                mentions.computeIfAbsent(new Pair(rows.getString(1), rows.getString(2)), k -> new ArrayList<>())
                        .add(new HistoryQueries.Mention(rows.getString(3), rows.getLong(4), rows.getString(5),
                                rows.getBoolean(6)));
            }
        }
        Map<Pair, State> found = new HashMap<>();
        counted.forEach((pair, c) -> found.put(pair,
                new State(c.unread(), List.copyOf(mentions.getOrDefault(pair, List.of())), c.lastMessage(), c.removed())));
        for (Pair pair : pairs) {
            states.put(pair, found.getOrDefault(pair, new State(0, List.of(), null, false)));
        }
        return states;
    }

    /** Each user's unread total over the conversations given for them. */
    public static Map<String, Long> totals(Connection connection, List<Pair> conversationsOfUsers) throws SQLException {
        Map<String, Long> totals = new HashMap<>();
        unread(connection, conversationsOfUsers).forEach((pair, count) -> totals.merge(pair.userId(), count, Long::sum));
        return totals;
    }

    /**
     * The unread count of each pair (one statement whatever their number; pairs of conversations with no message are
     * left out), written back to {@code unread_count} so the next count starts from here.
     */
    public static Map<Pair, Long> unread(Connection connection, List<Pair> pairs) throws SQLException {
        Map<Pair, Long> unread = new HashMap<>();
        if (pairs.isEmpty()) {
            return unread;
        }
        try (PreparedStatement select = prepare(connection, UNREAD, pairs); ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                unread.put(new Pair(rows.getString(1), rows.getString(2)), rows.getLong(3));
            }
        }
        return unread;
    }

    /**
     * Forgets {@code userId}'s kept count of {@code conversationKey}: call it in the transaction of every read, clear,
     * removal or delete for that user (a recall forgets everybody's through {@code conversation.recall_generation}).
     */
    public static void forget(Connection connection, String userId, String conversationKey) throws SQLException {
        try (PreparedStatement invalidate = connection.prepareStatement(INVALIDATE)) {
            invalidate.setString(1, userId);
            invalidate.setString(2, conversationKey);
            invalidate.executeUpdate();
        }
    }

    private static PreparedStatement prepare(Connection connection, String sql, List<Pair> pairs) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        if (sql.startsWith(UNREAD_COUNTS)) {
            // planned for its arrays every time: after five runs the driver makes a statement server-side and PostgreSQL
            // may keep a generic plan, which for these counts took 184 ms a call in ./im bench peer against 13 ms planned
            // each time (1.6 ms of planning); the mentions' generic plan is the good one (0.2 ms against 76)
            statement.unwrap(PGStatement.class).setPrepareThreshold(0);
        }
        statement.setArray(1, connection.createArrayOf("varchar", pairs.stream().map(Pair::userId).toArray()));
        statement.setArray(2, connection.createArrayOf("varchar", pairs.stream().map(Pair::conversationKey).toArray()));
        return statement;
    }
}
