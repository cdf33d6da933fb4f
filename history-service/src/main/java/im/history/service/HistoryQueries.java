package im.history.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;

import org.hibernate.Session;

import im.history.config.HistoryConfig;
import im.history.persistence.MessageEntity;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MembershipView;
import im.protocol.Message;
import im.protocol.ProtocolException;

/**
 * Reads for the history API — pages by orderKey, the conversation list with unread counts and mentions, search — as the
 * caller sees them (deletes for me hold at once), and the deletes for me themselves.
 */
@ApplicationScoped
public class HistoryQueries {

    /** A page of history. */
    public record Page(List<Message> messages, boolean hasMore) {}

    /** A pending mention. */
    public record Mention(String messageId, long orderKey, String senderId, boolean all) {}

    /** One entry of the conversation list. */
    public record ConversationItem(ConversationRef conversation, Message lastMessage, long unreadCount,
            List<Mention> mentions, long updatedAt) {}

    /** The conversation list; {@code cursor} continues it (null at the end). */
    public record ConversationList(List<ConversationItem> conversations, String cursor) {}

    /** Search hits, newest first, each with its conversation. */
    public record SearchResult(List<Message> messages) {}

    /**
    * Who has received and read up to an orderKey: user lists (peers, small groups) and counts (groups).
    *
    * @param orderKey the message asked about
    * @param delivered users whose delivered (or read) position reaches it
    * @param read users whose read position reaches it
    */
    public record Receipts(long orderKey, List<String> delivered, List<String> read, int deliveredCount, int readCount) {}

    @Inject
    HistoryConfig config;

    @Inject
    MembershipView membership;

    /** A page of the history {@code userId} still sees (not cleared or deleted for them). */
    @Transactional
    public Page history(String userId, ConversationKey key, Long before, Long after, Integer limit) {
        if (before != null && after != null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "give before or after, not both");
        }
        int size = pageSize(limit);
        String visible = "from message m left join conversation_watermark w on w.user_id = :u and w.conversation_key = :k "
                + "cross join (select cast(:u as varchar) as user_id) p where m.conversation_key = :k and "
                + ConversationStates.VISIBLE;
        Query query;
        if (after != null) {
            query = em().createNativeQuery("select m.body " + visible + " and m.order_key > :bound order by m.order_key asc "
                    + "limit :lim").setParameter("bound", after);
        } else {
            query = em().createNativeQuery("select m.body " + visible + " and m.order_key < :bound order by m.order_key desc "
                    + "limit :lim").setParameter("bound", before == null ? Long.MAX_VALUE : before);
        }
        @SuppressWarnings("unchecked")
        List<String> rows = query.setParameter("u", userId).setParameter("k", key.value()).setParameter("lim", size + 1)
                .getResultList();
        boolean hasMore = rows.size() > size;
        return new Page(rows.stream().limit(size).map(body -> JsonCodec.decode(body, Message.class)).toList(), hasMore);
    }

    @Transactional
    public ConversationList conversations(String userId, String cursor, Long since, Integer limit) {
        int size = pageSize(limit);
        long afterUpdated = Long.MAX_VALUE;
        String afterKey = "";
        if (cursor != null) {
            int colon = cursor.indexOf(':');
            try {
                afterUpdated = Long.parseLong(cursor.substring(0, colon));
                afterKey = cursor.substring(colon + 1);
            } catch (RuntimeException e) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "malformed cursor");
            }
        }
        List<String> keys = keysOf(userId);
        if (keys.isEmpty()) {
            return new ConversationList(List.of(), null);
        }
        // a conversation removed from my list stays out of it until a message newer than the removal arrives
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em().createNativeQuery("select c.conversation_key, c.last_message_id, c.updated_at "
                + "from conversation c left join conversation_watermark w on w.user_id = :u "
                + "and w.conversation_key = c.conversation_key where c.conversation_key in (:keys) and c.updated_at > :since "
                + "and c.last_order_key > coalesce(w.removed_order_key, -1) "
                + "and (c.updated_at < :au or (c.updated_at = :au and c.conversation_key > :ak)) "
                + "order by c.updated_at desc, c.conversation_key asc limit :lim")
                .setParameter("u", userId).setParameter("keys", keys).setParameter("since", since == null ? -1L : since)
                .setParameter("au", afterUpdated).setParameter("ak", afterKey).setParameter("lim", size + 1).getResultList();
        List<Object[]> page = rows.subList(0, Math.min(size, rows.size()));
        Map<ConversationStates.Pair, ConversationStates.State> states = states(
                page.stream().map(row -> new ConversationStates.Pair(userId, (String) row[0])).toList());
        List<ConversationItem> items = new ArrayList<>();
        for (Object[] row : page) {
            String key = (String) row[0];
            ConversationStates.State state = states.get(new ConversationStates.Pair(userId, key));
            items.add(new ConversationItem(ConversationKey.parse(key).viewFor(userId), state.lastMessage(),
                    state.unreadCount(), state.mentions(), ((Number) row[2]).longValue()));
        }
        String next = null;
        if (rows.size() > size) {
            ConversationItem lastItem = items.get(items.size() - 1);
            Object[] lastRow = rows.get(size - 1);
            next = lastItem.updatedAt() + ":" + lastRow[0];
        }
        return new ConversationList(items, next);
    }

    /** Moves the user's read position forward (never back); returns the position now stored. */
    @Transactional
    public long markRead(String userId, ConversationKey key, long orderKey) {
        em().createNativeQuery("insert into read_state (user_id, conversation_key, read_order_key, updated_at) "
                + "values (?1, ?2, ?3, ?4) on conflict (user_id, conversation_key) do update set "
                + "read_order_key = greatest(read_state.read_order_key, excluded.read_order_key), updated_at = excluded.updated_at")
                .setParameter(1, userId).setParameter(2, key.value()).setParameter(3, orderKey)
                .setParameter(4, System.currentTimeMillis()).executeUpdate();
        forget(userId, key);
        return readPosition(userId, key.value());
    }

    @Transactional
    public SearchResult search(String userId, String query, Integer limit) {
        if (query == null || query.isBlank() || query.length() > 200) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "q must be 1-200 characters");
        }
        int size = pageSize(limit);
        List<String> keys = keysOf(userId);
        if (keys.isEmpty()) {
            return new SearchResult(List.of());
        }
        @SuppressWarnings("unchecked")
        List<String> ids = em().createNativeQuery("select m.message_id from message m left join conversation_watermark w "
                + "on w.user_id = :u and w.conversation_key = m.conversation_key "
                + "cross join (select cast(:u as varchar) as user_id) p where m.conversation_key in (:keys) "
                + "and m.revoked_at is null and m.search_vector @@ plainto_tsquery('simple', :q) and "
                + ConversationStates.VISIBLE + " order by m.sent_at desc limit :lim")
                .setParameter("u", userId).setParameter("keys", keys).setParameter("q", query).setParameter("lim", size)
                .getResultList();
        List<Message> messages = new ArrayList<>();
        for (String id : ids) {
            MessageEntity row = MessageEntity.findById(id);
            Message message = toMessage(row);
            // the stored body as it stands: v1.1 repliedTo, reactions and the latest edit included
            messages.add(message.inConversation(ConversationKey.parse(row.conversationKey).viewFor(userId)));
        }
        return new SearchResult(messages);
    }

    /**
     * Deletes one message for {@code userId} alone (a row per user and message; the others keep it). NOT_FOUND when the
     * conversation holds no message with this id (or alias).
     */
    @Transactional
    public void deleteMessage(String userId, ConversationKey key, String messageId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em()
                .createNativeQuery("select m.message_id, m.order_key from message m where m.conversation_key = :k "
                        + "and m.message_id = coalesce((select a.message_id from message_alias a where a.alias_id = :id), :id)")
                .setParameter("k", key.value()).setParameter("id", messageId).getResultList();
        if (rows.isEmpty()) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "no message " + messageId + " in this conversation");
        }
        em().createNativeQuery("insert into deleted_message (user_id, conversation_key, order_key, message_id, deleted_at) "
                + "values (:u, :k, :o, :id, :now) on conflict do nothing").setParameter("u", userId)
                .setParameter("k", key.value()).setParameter("o", ((Number) rows.get(0)[1]).longValue())
                .setParameter("id", rows.get(0)[0]).setParameter("now", System.currentTimeMillis()).executeUpdate();
        forget(userId, key);
    }

    /**
     * Clears the conversation for {@code userId} up to now: one watermark (the last stored orderKey, and the time, for
     * messages written before but stored after), never a row per message. NOT_FOUND for a conversation with no message.
     */
    @Transactional
    public void clear(String userId, ConversationKey key) {
        long now = System.currentTimeMillis();
        watermark(userId, key, "cleared_order_key = greatest(conversation_watermark.cleared_order_key, "
                + "excluded.cleared_order_key), cleared_at = greatest(conversation_watermark.cleared_at, excluded.cleared_at)",
                lastOrderKey(key), now, -1);
    }

    /**
     * Removes the conversation from {@code userId}'s list until a newer message arrives; only messages after it count as
     * unread then. NOT_FOUND for a conversation with no message.
     */
    @Transactional
    public void remove(String userId, ConversationKey key) {
        watermark(userId, key, "removed_order_key = greatest(conversation_watermark.removed_order_key, "
                + "excluded.removed_order_key)", -1, -1, lastOrderKey(key));
    }

    /** Every conversation {@code userId} takes part in: peers stored here, groups from {@code im.membership}. */
    public List<String> keysOf(String userId) {
        List<String> keys = new ArrayList<>(em().createQuery(
                "select p.conversationKey from ConversationParticipant p where p.userId = :u", String.class)
                .setParameter("u", userId).getResultList());
        Set<String> groups = membership.groupsOf(userId);
        groups.forEach(group -> keys.add("group/" + group));
        return keys;
    }

    private long lastOrderKey(ConversationKey key) {
        @SuppressWarnings("unchecked")
        List<Number> rows = em().createNativeQuery("select last_order_key from conversation where conversation_key = :k")
                .setParameter("k", key.value()).getResultList();
        if (rows.isEmpty()) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "no messages in this conversation");
        }
        return rows.get(0).longValue();
    }

    private void watermark(String userId, ConversationKey key, String update, long clearedOrderKey, long clearedAt,
            long removedOrderKey) {
        em().createNativeQuery("insert into conversation_watermark (user_id, conversation_key, cleared_order_key, "
                + "cleared_at, removed_order_key, updated_at) values (:u, :k, :co, :ca, :ro, :now) "
                + "on conflict (user_id, conversation_key) do update set " + update + ", updated_at = excluded.updated_at")
                .setParameter("u", userId).setParameter("k", key.value()).setParameter("co", clearedOrderKey)
                .setParameter("ca", clearedAt).setParameter("ro", removedOrderKey)
                .setParameter("now", System.currentTimeMillis()).executeUpdate();
        forget(userId, key);
    }

    /** The user's kept unread count of the conversation no longer holds (in the caller's transaction). */
    private static void forget(String userId, ConversationKey key) {
        session().doWork(c -> ConversationStates.forget(c, userId, key.value()));
    }

    private Map<ConversationStates.Pair, ConversationStates.State> states(List<ConversationStates.Pair> pairs) {
        return session().doReturningWork(c -> ConversationStates.of(c, pairs));
    }

    private static Session session() {
        return em().unwrap(Session.class);
    }

    @Transactional
    public Receipts receipts(ConversationKey key, long orderKey) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em().createNativeQuery("select user_id, kind from receipt_position where conversation_key = ?1 "
                + "and order_key >= ?2").setParameter(1, key.value()).setParameter(2, orderKey).getResultList();
        TreeSet<String> delivered = new TreeSet<>();
        TreeSet<String> read = new TreeSet<>();
        for (Object[] row : rows) {
            delivered.add((String) row[0]);
            if ("read".equals(row[1])) {
                read.add((String) row[0]);
            }
        }
        return new Receipts(orderKey, List.copyOf(delivered), List.copyOf(read), delivered.size(), read.size());
    }

    private long readPosition(String userId, String key) {
        List<?> rows = em().createNativeQuery("select read_order_key from read_state where user_id = ?1 and "
                + "conversation_key = ?2").setParameter(1, userId).setParameter(2, key).getResultList();
        return rows.isEmpty() ? -1 : ((Number) rows.get(0)).longValue();
    }

    private int pageSize(Integer limit) {
        if (limit == null) {
            return config.defaultPageSize();
        }
        if (limit < 1) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "limit must be at least 1");
        }
        return Math.min(limit, config.maxPageSize());
    }

    private static EntityManager em() {
        return MessageEntity.getEntityManager();
    }

    /** Maps a row to the wire form: entities never go on the wire. */
    static Message toMessage(MessageEntity row) {
        return JsonCodec.decode(row.body, Message.class);
    }
}
