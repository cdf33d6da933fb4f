package im.history.persistence;

import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import org.hibernate.Session;

import im.history.config.HistoryConfig;
import im.protocol.Action;
import im.protocol.ConversationKey;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageType;

/**
 * Writes one batch of reliable messages in one transaction. Idempotent: messages whose id, or whose conversation, sender
 * and clientMsgId, are stored already are skipped, so redelivery, replays and restarts leave no duplicates.
 */
@ApplicationScoped
public class BatchWriter {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(BatchWriter.class);

    /** A message to store with its orderKey (its offset). */
    public record Stamped(Envelope envelope, ConversationKey key, long orderKey) {}

    @Inject
    HistoryConfig config;

    /** Stores what is new in {@code batch}; returns how many rows were written. */
    @Transactional
    public int write(List<Stamped> records) {
        List<Stamped> batch = records.stream().filter(s -> s.envelope().action() == null).toList();
        int stored = insert(batch);
        if (stored > 0) {
            MessageEntity.flush();
        }
        records.stream().filter(s -> s.envelope().action() != null).forEach(this::apply);
        return stored;
    }

    /**
     * Applies a recall or a receipt, in the conversation's order. A recall takes effect only for the message's sender
     * within the window, measured from the recall's own timestamp, so a replay decides exactly as the first pass did.
     */
    private void apply(Stamped stamped) {
        Envelope envelope = stamped.envelope();
        Action action = envelope.action();
        String sender = envelope.sender().id();
        if (action.isRevoke()) {
            MessageEntity message = MessageEntity.findById(action.messageId());
            if (message == null || message.revokedAt != null || !message.conversationKey.equals(stamped.key().value())
                    || !message.senderId.equals(sender)
                    || envelope.timestamp() - message.sentAt > config.revokeWindow().toMillis()) {
                LOG.infof("recall of %s by %s not applied (unknown, recalled already, not the sender's or too late)",
                        action.messageId(), sender);
                return;
            }
            message.revokedAt = envelope.timestamp();
            message.revokedBy = sender;
            message.body = JsonCodec.encode(JsonCodec.decode(message.body, Message.class).recalled());
            message.searchText = null;
            message.mentioned = null;
            message.mentionsAll = false;
            return;
        }
        EntityManager em = MessageEntity.getEntityManager();
        em.createNativeQuery("insert into receipt_position (conversation_key, user_id, kind, order_key, updated_at) "
                + "values (?1, ?2, ?3, ?4, ?5) on conflict (conversation_key, user_id, kind) do update set "
                + "order_key = greatest(receipt_position.order_key, excluded.order_key), updated_at = excluded.updated_at")
                .setParameter(1, stamped.key().value()).setParameter(2, sender).setParameter(3, action.kind())
                .setParameter(4, action.orderKey()).setParameter(5, envelope.timestamp()).executeUpdate();
    }

    private int insert(List<Stamped> batch) {
        if (batch.isEmpty()) {
            return 0;
        }
        EntityManager em = MessageEntity.getEntityManager();
        Set<String> known = new HashSet<>(em.createQuery(
                "select m.messageId from MessageEntity m where m.messageId in :ids", String.class)
                .setParameter("ids", batch.stream().map(s -> s.envelope().messageId()).toList()).getResultList());
        Set<String> knownRetries = new HashSet<>();
        List<String> clientMsgIds = batch.stream().map(s -> s.envelope().clientMsgId()).filter(id -> id != null).distinct()
                .toList();
        if (!clientMsgIds.isEmpty()) {
            em.createQuery("select m.conversationKey, m.senderId, m.clientMsgId from MessageEntity m "
                    + "where m.clientMsgId in :ids and m.conversationKey in :keys", Object[].class)
                    .setParameter("ids", clientMsgIds)
                    .setParameter("keys", batch.stream().map(s -> s.key().value()).distinct().toList())
                    .getResultList().forEach(row -> knownRetries.add(row[0] + "\n" + row[1] + "\n" + row[2]));
        }
        List<MessageEntity> fresh = new ArrayList<>();
        Map<String, MessageEntity> lastPerConversation = new LinkedHashMap<>();
        for (Stamped stamped : batch) {
            Envelope envelope = stamped.envelope();
            String retryKey = stamped.key().value() + "\n" + envelope.sender().id() + "\n" + envelope.clientMsgId();
            if (!known.add(envelope.messageId()) || (envelope.clientMsgId() != null && !knownRetries.add(retryKey))) {
                continue;
            }
            MessageEntity entity = toEntity(stamped);
            fresh.add(entity);
            lastPerConversation.merge(entity.conversationKey, entity, (a, b) -> a.orderKey >= b.orderKey ? a : b);
        }
        MessageEntity.persist(fresh);
        // one JDBC batch per statement instead of a round trip per conversation
        em.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement conversations = connection.prepareStatement("insert into conversation "
                    + "(conversation_key, conversation_type, last_order_key, last_message_id, updated_at) values (?, ?, ?, ?, ?) "
                    + "on conflict (conversation_key) do update set last_order_key = excluded.last_order_key, "
                    + "last_message_id = excluded.last_message_id, updated_at = excluded.updated_at "
                    + "where conversation.last_order_key < excluded.last_order_key");
                    PreparedStatement participants = connection.prepareStatement("insert into conversation_participant "
                            + "(user_id, conversation_key) values (?, ?) on conflict do nothing")) {
                for (MessageEntity last : lastPerConversation.values()) {
                    conversations.setString(1, last.conversationKey);
                    conversations.setString(2, last.conversationType);
                    conversations.setLong(3, last.orderKey);
                    conversations.setString(4, last.messageId);
                    conversations.setLong(5, last.sentAt);
                    conversations.addBatch();
                    ConversationKey key = ConversationKey.parse(last.conversationKey);
                    if (key.type() == ConversationType.PEER) {
                        for (String user : List.of(key.first(), key.second())) {
                            participants.setString(1, user);
                            participants.setString(2, last.conversationKey);
                            participants.addBatch();
                        }
                    }
                }
                conversations.executeBatch();
                participants.executeBatch();
            }
        });
        return fresh.size();
    }

    private static MessageEntity toEntity(Stamped stamped) {
        Envelope envelope = stamped.envelope();
        MessageContent content = envelope.message();
        Message message = envelope.toMessage().withOrder(stamped.orderKey(), null);
        MessageEntity entity = new MessageEntity();
        entity.messageId = envelope.messageId();
        entity.conversationKey = stamped.key().value();
        entity.conversationType = stamped.key().type().wireName();
        entity.orderKey = stamped.orderKey();
        entity.senderId = envelope.sender().id();
        entity.clientMsgId = envelope.clientMsgId();
        entity.type = content.type().wireName();
        entity.sentAt = envelope.timestamp();
        entity.body = JsonCodec.encode(message);
        entity.searchText = content.type() == MessageType.CUSTOM ? content.searchedContent() : content.text();
        if (envelope.mentions() != null) {
            entity.mentionsAll = envelope.mentions().all();
            entity.mentioned = envelope.mentions().userIds() == null
                    ? null
                    : envelope.mentions().userIds().toArray(String[]::new);
        }
        return entity;
    }
}
