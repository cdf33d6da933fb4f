package im.history.persistence;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;

import im.history.config.HistoryConfig;
import im.protocol.Action;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.MessageType;
import im.protocol.Reaction;

/**
 * Applies the v1.1 message features inside a stored batch's transaction: reactions ({@code react}, one row per message,
 * user and reaction, so a react seen twice counts once and the remove of an absent one is a no-op) and edits
 * ({@code edit}: the sender's, within the edit window measured from the edit's own time, of a text or custom message
 * that is not recalled, applied in the conversation's order — last wins, an older edit replayed after a newer one changes
 * nothing). Each applied one rewrites the stored body (so history, sync and search answer the reactions and the latest
 * version without a join) and yields what participants must now see: a {@code reactionsChanged} or {@code messageEdited}
 * action for the conversation's stream. A react or edit of a message history does not hold (or not in that conversation,
 * or recalled, or over a limit) is dropped with a count ({@code im.history.features.dropped}) and a log line, never an
 * exception.
 */
@ApplicationScoped
public class MessageFeatures {
    private static final Logger LOG = Logger.getLogger(MessageFeatures.class);

    private static final String AGGREGATE = "select reaction, count(*), (array_agg(user_id order by reacted_at, user_id))"
            + "[1:" + Reaction.USER_IDS_SHOWN + "] from message_reaction where message_id = ? group by reaction "
            + "order by min(reacted_at), reaction";

    @Inject
    HistoryConfig config;

    @Inject
    MeterRegistry metrics;

    @PostConstruct
    void init() {
        metrics.counter("im.history.features.applied", "action", Action.REACT);
        metrics.counter("im.history.features.applied", "action", Action.EDIT);
    }

    /** The row a feature applies to, locked for the batch's transaction; null when history does not hold it. */
    private record Target(String conversationKey, String senderId, long sentAt, boolean revoked, String type, String body,
            Long editOrderKey) {}

    private static Target lock(Connection connection, String messageId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("select conversation_key, sender_id, sent_at, "
                + "revoked_at, type, body, edit_order_key from message where message_id = ? for update")) {
            select.setString(1, messageId);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                return new Target(row.getString(1), row.getString(2), row.getLong(3), row.getObject(4) != null,
                        row.getString(5), row.getString(6), (Long) row.getObject(7, Long.class));
            }
        }
    }

    /**
     * Applies one {@code react}; the {@code reactionsChanged} record to write, or null when it was dropped. A react that
     * changes nothing (seen before, or the remove of an absent reaction) still yields the current aggregate: the first
     * pass may not have written it.
     */
    public Envelope react(Connection connection, BatchWriter.Stamped stamped) throws SQLException {
        Envelope envelope = stamped.envelope();
        Action action = envelope.action();
        String messageId = action.messageId();
        String userId = envelope.sender().id();
        Target target = lock(connection, messageId);
        if (target == null || !target.conversationKey().equals(stamped.key().value()) || target.revoked()) {
            return dropped(Action.REACT, target == null ? "unknown" : target.revoked() ? "recalled" : "elsewhere",
                    messageId, userId);
        }
        if (action.removes()) {
            try (PreparedStatement delete = connection.prepareStatement(
                    "delete from message_reaction where message_id = ? and user_id = ? and reaction = ?")) {
                delete.setString(1, messageId);
                delete.setString(2, userId);
                delete.setString(3, action.reaction());
                delete.executeUpdate();
            }
        } else {
            String refusal = overLimit(connection, messageId, userId, action.reaction());
            if (refusal != null) {
                return dropped(Action.REACT, refusal, messageId, userId);
            }
            try (PreparedStatement insert = connection.prepareStatement("insert into message_reaction (message_id, user_id, "
                    + "reaction, reacted_at) values (?, ?, ?, ?) on conflict do nothing")) {
                insert.setString(1, messageId);
                insert.setString(2, userId);
                insert.setString(3, action.reaction());
                insert.setLong(4, envelope.timestamp());
                insert.executeUpdate();
            }
        }
        List<Reaction> reactions = aggregate(connection, messageId);
        Message message = JsonCodec.decode(target.body(), Message.class).withReactions(reactions);
        try (PreparedStatement update = connection.prepareStatement("update message set body = ? where message_id = ?")) {
            update.setString(1, JsonCodec.encode(message));
            update.setString(2, messageId);
            update.executeUpdate();
        }
        metrics.counter("im.history.features.applied", "action", Action.REACT).increment();
        return event(envelope, Action.reactionsChanged(messageId, reactions));
    }

    /** Why a new reaction may not be added, or null: the bounds on distinct reactions per message and per user. */
    private static String overLimit(Connection connection, String messageId, String userId, String reaction)
            throws SQLException {
        try (PreparedStatement counts = connection.prepareStatement("select count(distinct reaction), "
                + "count(*) filter (where user_id = ?), bool_or(reaction = ?), bool_or(user_id = ? and reaction = ?) "
                + "from message_reaction where message_id = ?")) {
            counts.setString(1, userId);
            counts.setString(2, reaction);
            counts.setString(3, userId);
            counts.setString(4, reaction);
            counts.setString(5, messageId);
            try (ResultSet row = counts.executeQuery()) {
                row.next();
                if (row.getBoolean(4)) {
                    return null; // given already: a no-op
                }
                if (!row.getBoolean(3) && row.getLong(1) >= Reaction.MAX_PER_MESSAGE) {
                    return "message limit";
                }
                return row.getLong(2) >= Reaction.MAX_PER_USER ? "user limit" : null;
            }
        }
    }

    /** The reactions of a message as participants see them, oldest reaction first. */
    public static List<Reaction> aggregate(Connection connection, String messageId) throws SQLException {
        List<Reaction> reactions = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(AGGREGATE)) {
            select.setString(1, messageId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    Array users = rows.getArray(3);
                    reactions.add(new Reaction(rows.getString(1), (int) rows.getLong(2),
                            List.copyOf(Arrays.asList((String[]) users.getArray()))));
                }
            }
        }
        return List.copyOf(reactions);
    }

    /**
     * Applies one {@code edit}; the {@code messageEdited} record to write, or null when it was dropped. The same edit seen
     * again yields the message as it stands (the first pass may not have written it).
     */
    public Envelope edit(Connection connection, BatchWriter.Stamped stamped) throws SQLException {
        Envelope envelope = stamped.envelope();
        Action action = envelope.action();
        String messageId = action.messageId();
        String userId = envelope.sender().id();
        Target target = lock(connection, messageId);
        String refusal = editRefusal(target, stamped, userId);
        if (refusal != null) {
            return dropped(Action.EDIT, refusal, messageId, userId);
        }
        Message stored = JsonCodec.decode(target.body(), Message.class);
        if (target.editOrderKey() != null && target.editOrderKey() == stamped.orderKey()) {
            return event(envelope, Action.messageEdited(stored)); // applied before
        }
        MessageContent content = action.content();
        Message edited = stored.edited(content, envelope.timestamp());
        try (PreparedStatement update = connection.prepareStatement("update message set body = ?, search_text = ?, "
                + "edited_at = ?, edit_order_key = ? where message_id = ?")) {
            update.setString(1, JsonCodec.encode(edited));
            update.setString(2, content.type() == MessageType.CUSTOM ? content.searchedContent() : content.text());
            update.setLong(3, envelope.timestamp());
            update.setLong(4, stamped.orderKey());
            update.setString(5, messageId);
            update.executeUpdate();
        }
        metrics.counter("im.history.features.applied", "action", Action.EDIT).increment();
        return event(envelope, Action.messageEdited(edited));
    }

    /** Why an edit may not apply to {@code target}, or null when it may. */
    private String editRefusal(Target target, BatchWriter.Stamped stamped, String userId) {
        if (target == null) {
            return "unknown";
        }
        if (!target.conversationKey().equals(stamped.key().value())) {
            return "elsewhere";
        }
        if (!target.senderId().equals(userId)) {
            return "not the sender's";
        }
        if (target.revoked()) {
            return "recalled";
        }
        if (!MessageType.TEXT.wireName().equals(target.type()) && !MessageType.CUSTOM.wireName().equals(target.type())) {
            return "not text or custom";
        }
        if (!stamped.envelope().action().content().type().wireName().equals(target.type())) {
            return "another type";
        }
        if (stamped.envelope().timestamp() - target.sentAt() > config.editWindow().toMillis()) {
            return "too late";
        }
        if (target.editOrderKey() != null && target.editOrderKey() > stamped.orderKey()) {
            return "superseded";
        }
        return null;
    }

    private Envelope dropped(String action, String reason, String messageId, String userId) {
        metrics.counter("im.history.features.dropped", "action", action, "reason", reason).increment();
        LOG.infof("%s of %s by %s not applied (%s)", action, messageId, userId, reason);
        return null;
    }

    /** What participants must now see, in the conversation's stream, addressed as the action that caused it. */
    private static Envelope event(Envelope cause, Action action) {
        long now = System.currentTimeMillis();
        return new Envelope(Envelope.VERSION, MessageIds.next(now), null, cause.conversationKey(), cause.to(),
                cause.sender(), now, null, null, null, null, null, null, action);
    }
}
