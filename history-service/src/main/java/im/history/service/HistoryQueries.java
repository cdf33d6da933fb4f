package im.history.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import im.history.config.HistoryConfig;
import im.history.persistence.MessageEntity;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MembershipView;
import im.protocol.Message;
import im.protocol.ProtocolException;

/** Reads for the history API: pages by orderKey, the conversation list with unread counts and mentions, search. */
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

    @Transactional
    public Page history(ConversationKey key, Long before, Long after, Integer limit) {
        if (before != null && after != null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "give before or after, not both");
        }
        int size = pageSize(limit);
        List<MessageEntity> rows;
        if (after != null) {
            rows = MessageEntity.find("conversationKey = ?1 and orderKey > ?2 order by orderKey asc", key.value(), after)
                    .page(0, size + 1).list();
        } else {
            long bound = before == null ? Long.MAX_VALUE : before;
            rows = MessageEntity.find("conversationKey = ?1 and orderKey < ?2 order by orderKey desc", key.value(), bound)
                    .page(0, size + 1).list();
        }
        boolean hasMore = rows.size() > size;
        return new Page(rows.stream().limit(size).map(HistoryQueries::toMessage).toList(), hasMore);
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
        List<String> keys = new ArrayList<>();
        keys.addAll(em().createQuery("select p.conversationKey from ConversationParticipant p where p.userId = :u",
                String.class).setParameter("u", userId).getResultList());
        membership.groupsOf(userId).forEach(group -> keys.add("group/" + group));
        if (keys.isEmpty()) {
            return new ConversationList(List.of(), null);
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em().createNativeQuery("select conversation_key, last_message_id, updated_at from conversation "
                + "where conversation_key in (:keys) and updated_at > :since "
                + "and (updated_at < :au or (updated_at = :au and conversation_key > :ak)) "
                + "order by updated_at desc, conversation_key asc limit :lim")
                .setParameter("keys", keys).setParameter("since", since == null ? -1L : since)
                .setParameter("au", afterUpdated).setParameter("ak", afterKey).setParameter("lim", size + 1).getResultList();
        List<ConversationItem> items = new ArrayList<>();
        for (Object[] row : rows.subList(0, Math.min(size, rows.size()))) {
            String key = (String) row[0];
            long read = readPosition(userId, key);
            MessageEntity last = MessageEntity.findById(row[1]);
            long unread = em().createQuery("select count(m) from MessageEntity m where m.conversationKey = :k "
                    + "and m.orderKey > :r and m.senderId <> :u and m.revokedAt is null", Long.class)
                    .setParameter("k", key).setParameter("r", read).setParameter("u", userId).getSingleResult();
            @SuppressWarnings("unchecked")
            List<Object[]> mentionRows = em().createNativeQuery("select message_id, order_key, sender_id, mentions_all "
                    + "from message where conversation_key = :k and order_key > :r and sender_id <> :u and revoked_at is null "
                    + "and (mentions_all or :u = any(mentioned)) order by order_key").setParameter("k", key)
                    .setParameter("r", read).setParameter("u", userId).getResultList();
            List<Mention> mentions = mentionRows.stream().map(m -> new Mention((String) m[0], ((Number) m[1]).longValue(),
                    (String) m[2], (Boolean) m[3])).toList();
            items.add(new ConversationItem(ConversationKey.parse(key).viewFor(userId), last == null ? null : toMessage(last),
                    unread, mentions, ((Number) row[2]).longValue()));
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
        return readPosition(userId, key.value());
    }

    @Transactional
    public SearchResult search(String userId, String query, Integer limit) {
        if (query == null || query.isBlank() || query.length() > 200) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "q must be 1-200 characters");
        }
        int size = pageSize(limit);
        List<String> keys = new ArrayList<>(em().createQuery(
                "select p.conversationKey from ConversationParticipant p where p.userId = :u", String.class)
                .setParameter("u", userId).getResultList());
        Set<String> groups = membership.groupsOf(userId);
        groups.forEach(group -> keys.add("group/" + group));
        if (keys.isEmpty()) {
            return new SearchResult(List.of());
        }
        @SuppressWarnings("unchecked")
        List<String> ids = em().createNativeQuery("select message_id from message where conversation_key in (:keys) "
                + "and revoked_at is null and search_vector @@ plainto_tsquery('simple', :q) order by sent_at desc limit :lim")
                .setParameter("keys", keys).setParameter("q", query).setParameter("lim", size).getResultList();
        List<Message> messages = new ArrayList<>();
        for (String id : ids) {
            MessageEntity row = MessageEntity.findById(id);
            Message message = toMessage(row);
            messages.add(new Message(message.messageId(), message.clientMsgId(), message.orderKey(), null, message.sender(),
                    message.timestamp(), message.priority(), message.mentions(),
                    ConversationKey.parse(row.conversationKey).viewFor(userId), message.content()));
        }
        return new SearchResult(messages);
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
