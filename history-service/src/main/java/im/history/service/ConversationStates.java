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
    private static final String UNREAD = "(select count(*) from message m where m.conversation_key = p.conversation_key "
            + "and m.order_key > " + FLOOR + " and m.sender_id <> p.user_id and m.revoked_at is null and " + VISIBLE + ")";
    private static final String STATES = "select p.user_id, p.conversation_key, " + UNREAD + ", (select m.body from message m "
            + "where m.conversation_key = p.conversation_key and " + VISIBLE + " order by m.order_key desc limit 1), "
            + "w.removed_order_key >= (select c.last_order_key from conversation c "
            + "where c.conversation_key = p.conversation_key) " + PAIRS;
    private static final String MENTIONS = "select p.user_id, p.conversation_key, m.message_id, m.order_key, m.sender_id, "
            + "m.mentions_all " + PAIRS + "join message m on m.conversation_key = p.conversation_key and m.order_key > " + FLOOR
            + " and m.sender_id <> p.user_id and m.revoked_at is null and (m.mentions_all or p.user_id = any(m.mentioned)) "
            + "and " + VISIBLE + " order by m.order_key";
    private static final String TOTALS = "select p.user_id, sum(" + UNREAD + ") " + PAIRS + "group by p.user_id";

    private ConversationStates() {
    }

    /** The states of these pairs (two statements whatever their number), in the pairs' order. */
    public static Map<Pair, State> of(Connection connection, List<Pair> pairs) throws SQLException {
        Map<Pair, State> states = new LinkedHashMap<>();
        if (pairs.isEmpty()) {
            return states;
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
        try (PreparedStatement select = prepare(connection, STATES, pairs); ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                Pair pair = new Pair(rows.getString(1), rows.getString(2));
                String body = rows.getString(4);
                found.put(pair, new State(rows.getLong(3), List.copyOf(mentions.getOrDefault(pair, List.of())),
                        body == null ? null : JsonCodec.decode(body, Message.class), rows.getBoolean(5)));
            }
        }
        for (Pair pair : pairs) {
            states.put(pair, found.getOrDefault(pair, new State(0, List.of(), null, false)));
        }
        return states;
    }

    /** Each user's unread total over the conversations given for them (one statement). */
    public static Map<String, Long> totals(Connection connection, List<Pair> conversationsOfUsers) throws SQLException {
        Map<String, Long> totals = new HashMap<>();
        if (conversationsOfUsers.isEmpty()) {
            return totals;
        }
        try (PreparedStatement select = prepare(connection, TOTALS, conversationsOfUsers);
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                totals.put(rows.getString(1), rows.getLong(2));
            }
        }
        return totals;
    }

    private static PreparedStatement prepare(Connection connection, String sql, List<Pair> pairs) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        statement.setArray(1, connection.createArrayOf("varchar", pairs.stream().map(Pair::userId).toArray()));
        statement.setArray(2, connection.createArrayOf("varchar", pairs.stream().map(Pair::conversationKey).toArray()));
        return statement;
    }
}
