package im.history.persistence;

import java.sql.Array;
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

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;

import im.history.config.HistoryConfig;
import im.protocol.Action;
import im.protocol.ConversationKey;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.MediaWithdrawn;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageType;

/**
 * Writes one batch of reliable records in one transaction with a few set-based statements (PostgreSQL {@code unnest} of
 * column arrays: one round trip whatever the batch size, no look-ups before inserting). Idempotent: {@code ON CONFLICT
 * DO NOTHING} skips messages whose id, or whose conversation, sender and clientMsgId, are stored already, so redelivery,
 * replays and restarts leave no duplicates. A failure is thrown as it is; the consumer's failure policy retries it
 * (database unavailable) or splits the batch until the record the database refuses is dead-lettered.
 */
@ApplicationScoped
public class BatchWriter {
    private static final Logger LOG = Logger.getLogger(BatchWriter.class);

    private static final String INSERT_MESSAGES = "insert into message (message_id, conversation_key, conversation_type, "
            + "order_key, sender_id, client_msg_id, type, sent_at, body, search_text, mentions_all, mentioned) "
            + "select m.message_id, m.conversation_key, m.conversation_type, m.order_key, m.sender_id, m.client_msg_id, "
            + "m.type, m.sent_at, m.body, m.search_text, m.mentions_all, "
            + "case when m.mentioned is null then null else string_to_array(m.mentioned, ',')::varchar(32)[] end "
            + "from unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::bigint[], ?::varchar[], ?::varchar[], ?::varchar[], "
            + "?::bigint[], ?::text[], ?::text[], ?::boolean[], ?::text[]) as m(message_id, conversation_key, "
            + "conversation_type, order_key, sender_id, client_msg_id, type, sent_at, body, search_text, mentions_all, "
            + "mentioned) where m.client_msg_id is null or not exists (select 1 from message e "
            + "where e.conversation_key = m.conversation_key and e.sender_id = m.sender_id "
            + "and e.client_msg_id = m.client_msg_id and e.sent_at between m.sent_at - ? and m.sent_at + ?) "
            + "on conflict do nothing returning message_id, conversation_key, order_key, sent_at, sender_id";
    private static final String INSERT_ALIASES = "insert into message_alias (alias_id, message_id) "
            + "select distinct on (c.id) c.id, e.message_id from unnest(?::varchar[], ?::varchar[], ?::varchar[], "
            + "?::varchar[], ?::bigint[]) as c(id, conversation_key, sender_id, client_msg_id, sent_at) "
            + "join message e on e.conversation_key = c.conversation_key and e.sender_id = c.sender_id "
            + "and e.client_msg_id = c.client_msg_id and e.message_id <> c.id "
            + "order by c.id, abs(e.sent_at - c.sent_at) on conflict do nothing";
    private static final String UPSERT_CONVERSATIONS = "insert into conversation (conversation_key, conversation_type, "
            + "last_order_key, last_message_id, updated_at) select * from unnest(?::varchar[], ?::varchar[], ?::bigint[], "
            + "?::varchar[], ?::bigint[]) on conflict (conversation_key) do update set "
            + "last_order_key = excluded.last_order_key, last_message_id = excluded.last_message_id, "
            + "updated_at = excluded.updated_at where conversation.last_order_key < excluded.last_order_key "
            + "returning conversation_key, (xmax = 0) as inserted";
    private static final String INSERT_PARTICIPANTS = "insert into conversation_participant (user_id, conversation_key) "
            + "select * from unnest(?::varchar[], ?::varchar[]) on conflict do nothing";
    private static final String UPSERT_RECEIPTS = "insert into receipt_position (conversation_key, user_id, kind, order_key, "
            + "updated_at) select * from unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::bigint[], ?::bigint[]) "
            + "on conflict (conversation_key, user_id, kind) do update set "
            + "order_key = greatest(receipt_position.order_key, excluded.order_key), updated_at = excluded.updated_at";

    /** A record to store with its orderKey (its offset). */
    public record Stamped(Envelope envelope, ConversationKey key, long orderKey) {}

    /**
     * What one batch did: rows stored, and the uploads whose messages it recalled ({@code im.media} withdrawals to write,
     * also for recalls applied before and seen again, so a retry or replay never loses one).
     */
    public record Written(int stored, List<MediaWithdrawn> withdrawals, List<Touched> touched, List<Envelope> events) {

        /** What a batch without reactions or edits did. */
        public Written(int stored, List<MediaWithdrawn> withdrawals, List<Touched> touched) {
            this(stored, withdrawals, touched, List.of());
        }
    }

    /**
     * A conversation a batch changed, for the live {@code conversationChanged} events.
     *
     * @param conversationKey the conversation
     * @param senders who sent the messages it stored there (their own unread did not change)
     * @param recalled whether a recall took effect there (anybody's unread may have changed)
     */
    public record Touched(String conversationKey, Set<String> senders, boolean recalled) {}

    /** A stored row's key facts, as the insert returns them. */
    private record Inserted(String messageId, String conversationKey, long orderKey, long sentAt, String senderId) {}

    @Inject
    AgroalDataSource dataSource;

    @Inject
    HistoryConfig config;

    @Inject
    MessageFeatures features;

    /**
     * Work on the messages a batch newly stored, inside its transaction before the commit (the notifications): a failure
     * rolls the batch back.
     */
    @FunctionalInterface
    public interface BeforeCommit {
        void run(Connection connection, List<Stamped> stored) throws SQLException;
    }

    /** Stores what is new in {@code records} (messages first, then recalls and receipts in order). */
    public Written write(List<Stamped> records) throws SQLException {
        return write(records, (connection, stored) -> {
        });
    }

    /** Like {@link #write(List)}, running {@code beforeCommit} on the messages stored now (in batch order). */
    public Written write(List<Stamped> records, BeforeCommit beforeCommit) throws SQLException {
        if (records.isEmpty()) {
            return new Written(0, List.of(), List.of()); // a batch of live events only, or of dead letters
        }
        List<Stamped> messages = new ArrayList<>(records.size());
        List<Stamped> actions = new ArrayList<>();
        for (Stamped record : records) {
            (record.envelope().action() == null ? messages : actions).add(record);
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                Map<String, Touched> touched = new LinkedHashMap<>();
                List<Stamped> stored = insertMessages(connection, messages, touched);
                Map<String, Envelope> events = new LinkedHashMap<>();
                List<MediaWithdrawn> withdrawals = applyActions(connection, actions, touched, events);
                beforeCommit.run(connection, stored);
                connection.commit();
                return new Written(stored.size(), withdrawals, List.copyOf(touched.values()), List.copyOf(events.values()));
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /** Inserts what is new; the records stored now, in batch order. */
    private List<Stamped> insertMessages(Connection connection, List<Stamped> records, Map<String, Touched> touched)
            throws SQLException {
        if (records.isEmpty()) {
            return List.of();
        }
        // one statement cannot see its own rows: a clientMsgId twice in one batch within the window keeps its first
        // write; outside the window it is a new message, as it is across batches (a replay decides as the first pass)
        long window = config.dedupeWindow().toMillis();
        Map<String, List<Long>> kept = new HashMap<>();
        List<Stamped> batch = new ArrayList<>(records.size());
        for (Stamped record : records) {
            Envelope envelope = record.envelope();
            if (envelope.clientMsgId() == null) {
                batch.add(record);
                continue;
            }
            List<Long> sentAt = kept.computeIfAbsent(
                    record.key().value() + '\n' + envelope.sender().id() + '\n' + envelope.clientMsgId(),
                    k -> new ArrayList<>(1));
            if (sentAt.stream().noneMatch(t -> Math.abs(t - envelope.timestamp()) <= window)) {
                sentAt.add(envelope.timestamp());
                batch.add(record);
            }
        }
        int n = batch.size();
        String[] ids = new String[n];
        String[] keys = new String[n];
        String[] types = new String[n];
        Long[] orderKeys = new Long[n];
        String[] senders = new String[n];
        String[] clientMsgIds = new String[n];
        String[] messageTypes = new String[n];
        Long[] sentAt = new Long[n];
        String[] bodies = new String[n];
        String[] searchTexts = new String[n];
        Boolean[] mentionsAll = new Boolean[n];
        String[] mentioned = new String[n];
        for (int i = 0; i < n; i++) {
            Stamped stamped = batch.get(i);
            Envelope envelope = stamped.envelope();
            MessageContent content = envelope.message();
            ids[i] = envelope.messageId();
            keys[i] = stamped.key().value();
            types[i] = stamped.key().type().wireName();
            orderKeys[i] = stamped.orderKey();
            senders[i] = envelope.sender().id();
            clientMsgIds[i] = envelope.clientMsgId();
            messageTypes[i] = content.type().wireName();
            sentAt[i] = envelope.timestamp();
            Message message = envelope.toMessage().withOrder(stamped.orderKey(), null);
            bodies[i] = JsonCodec.encode(message);
            searchTexts[i] = content.type() == MessageType.CUSTOM ? content.searchedContent() : content.text();
            mentionsAll[i] = envelope.mentions() != null && envelope.mentions().all();
            mentioned[i] = envelope.mentions() == null || envelope.mentions().userIds() == null
                    || envelope.mentions().userIds().isEmpty() ? null : String.join(",", envelope.mentions().userIds());
        }
        List<Inserted> inserted = new ArrayList<>(n);
        try (PreparedStatement insert = connection.prepareStatement(INSERT_MESSAGES)) {
            Object[][] columns = {ids, keys, types, orderKeys, senders, clientMsgIds, messageTypes, sentAt, bodies,
                    searchTexts, mentionsAll, mentioned};
            String[] sqlTypes = {"varchar", "varchar", "varchar", "bigint", "varchar", "varchar", "varchar", "bigint", "text",
                    "text", "boolean", "text"};
            for (int c = 0; c < columns.length; c++) {
                insert.setArray(c + 1, connection.createArrayOf(sqlTypes[c], columns[c]));
            }
            insert.setLong(columns.length + 1, config.dedupeWindow().toMillis());
            insert.setLong(columns.length + 2, config.dedupeWindow().toMillis());
            try (ResultSet rows = insert.executeQuery()) {
                while (rows.next()) {
                    inserted.add(new Inserted(rows.getString(1), rows.getString(2), rows.getLong(3), rows.getLong(4),
                            rows.getString(5)));
                }
            }
        }
        if (!inserted.isEmpty()) {
            upsertConversations(connection, inserted);
        }
        for (Inserted row : inserted) {
            touched.computeIfAbsent(row.conversationKey(), k -> new Touched(k, new HashSet<>(), false)).senders()
                    .add(row.senderId());
        }
        aliasRetries(connection, records, inserted);
        Set<String> storedIds = new HashSet<>();
        inserted.forEach(row -> storedIds.add(row.messageId()));
        return batch.stream().filter(s -> storedIds.contains(s.envelope().messageId())).toList();
    }

    /** Records written but not stored because their clientMsgId was stored already: their ids become aliases. */
    private void aliasRetries(Connection connection, List<Stamped> batch, List<Inserted> inserted) throws SQLException {
        Set<String> stored = new HashSet<>();
        inserted.forEach(row -> stored.add(row.messageId()));
        List<Stamped> retries = batch.stream()
                .filter(s -> s.envelope().clientMsgId() != null && !stored.contains(s.envelope().messageId())).toList();
        if (retries.isEmpty()) {
            return;
        }
        try (PreparedStatement aliases = connection.prepareStatement(INSERT_ALIASES)) {
            aliases.setArray(1, connection.createArrayOf("varchar",
                    retries.stream().map(s -> s.envelope().messageId()).toArray()));
            aliases.setArray(2, connection.createArrayOf("varchar", retries.stream().map(s -> s.key().value()).toArray()));
            aliases.setArray(3, connection.createArrayOf("varchar",
                    retries.stream().map(s -> s.envelope().sender().id()).toArray()));
            aliases.setArray(4, connection.createArrayOf("varchar",
                    retries.stream().map(s -> s.envelope().clientMsgId()).toArray()));
            aliases.setArray(5, connection.createArrayOf("bigint",
                    retries.stream().map(s -> s.envelope().timestamp()).toArray()));
            aliases.executeUpdate();
        }
    }

    /** The last message per conversation moves forward; peer conversations new to the table get their two users. */
    private void upsertConversations(Connection connection, List<Inserted> inserted) throws SQLException {
        Map<String, Inserted> last = new LinkedHashMap<>();
        for (Inserted row : inserted) {
            last.merge(row.conversationKey(), row, (a, b) -> a.orderKey() >= b.orderKey() ? a : b);
        }
        int n = last.size();
        String[] keys = new String[n];
        String[] types = new String[n];
        Long[] orderKeys = new Long[n];
        String[] messageIds = new String[n];
        Long[] updatedAt = new Long[n];
        int i = 0;
        for (Inserted row : last.values()) {
            keys[i] = row.conversationKey();
            types[i] = ConversationKey.parse(row.conversationKey()).type().wireName();
            orderKeys[i] = row.orderKey();
            messageIds[i] = row.messageId();
            updatedAt[i] = row.sentAt();
            i++;
        }
        List<String> users = new ArrayList<>();
        List<String> userKeys = new ArrayList<>();
        try (PreparedStatement upsert = connection.prepareStatement(UPSERT_CONVERSATIONS)) {
            upsert.setArray(1, connection.createArrayOf("varchar", keys));
            upsert.setArray(2, connection.createArrayOf("varchar", types));
            upsert.setArray(3, connection.createArrayOf("bigint", orderKeys));
            upsert.setArray(4, connection.createArrayOf("varchar", messageIds));
            upsert.setArray(5, connection.createArrayOf("bigint", updatedAt));
            try (ResultSet rows = upsert.executeQuery()) {
                while (rows.next()) {
                    if (!rows.getBoolean(2)) {
                        continue;
                    }
                    ConversationKey key = ConversationKey.parse(rows.getString(1));
                    if (key.type() == ConversationType.PEER) {
                        users.add(key.first());
                        userKeys.add(key.value());
                        users.add(key.second());
                        userKeys.add(key.value());
                    }
                }
            }
        }
        if (!users.isEmpty()) {
            try (PreparedStatement participants = connection.prepareStatement(INSERT_PARTICIPANTS)) {
                participants.setArray(1, connection.createArrayOf("varchar", users.toArray()));
                participants.setArray(2, connection.createArrayOf("varchar", userKeys.toArray()));
                participants.executeUpdate();
            }
        }
    }

    /**
     * Recalls, receipts, reactions and edits ({@link MessageFeatures}), in the conversation's order. A recall takes effect only for the message's sender within the
     * window, measured from the recall's own timestamp, so a replay decides exactly as the first pass did. Receipts move
     * per-user positions forward (one statement for the batch). Returns the withdrawals of the uploads recalled messages
     * carried.
     */
    private List<MediaWithdrawn> applyActions(Connection connection, List<Stamped> actions, Map<String, Touched> touched,
            Map<String, Envelope> events) throws SQLException {
        List<MediaWithdrawn> withdrawals = new ArrayList<>();
        if (actions.isEmpty()) {
            return withdrawals;
        }
        record ReceiptKey(String conversationKey, String userId, String kind) {}
        Map<ReceiptKey, long[]> receipts = new HashMap<>();
        for (Stamped stamped : actions) {
            Envelope envelope = stamped.envelope();
            Action action = envelope.action();
            if (action.isConversationChanged() || action.isReactionsChanged() || action.isMessageEdited()) {
                continue; // history's own live event, for routing: nothing to store
            }
            if (action.isReact() || action.isEdit()) {
                // v1.1 message features: the last state per message is what participants are told
                Envelope event = action.isReact() ? features.react(connection, stamped) : features.edit(connection, stamped);
                if (event != null) {
                    String key = event.action().type() + '\n' + action.messageId();
                    events.remove(key);
                    events.put(key, event);
                    if (action.isEdit()) {
                        // the conversation list shows the edited text when it was the last message: a live event
                        touched.computeIfAbsent(stamped.key().value(), k -> new Touched(k, new HashSet<>(), false));
                    }
                }
                continue;
            }
            if (action.isRevoke()) {
                MediaWithdrawn withdrawn = revoke(connection, stamped, touched);
                if (withdrawn != null) {
                    withdrawals.add(withdrawn);
                }
            } else {
                receipts.merge(new ReceiptKey(stamped.key().value(), envelope.sender().id(), action.kind()),
                        new long[]{action.orderKey(), envelope.timestamp()},
                        (a, b) -> new long[]{Math.max(a[0], b[0]), Math.max(a[1], b[1])});
            }
        }
        if (receipts.isEmpty()) {
            return withdrawals;
        }
        int n = receipts.size();
        String[] keys = new String[n];
        String[] users = new String[n];
        String[] kinds = new String[n];
        Long[] orderKeys = new Long[n];
        Long[] updatedAt = new Long[n];
        int i = 0;
        for (Map.Entry<ReceiptKey, long[]> entry : receipts.entrySet()) {
            keys[i] = entry.getKey().conversationKey();
            users[i] = entry.getKey().userId();
            kinds[i] = entry.getKey().kind();
            orderKeys[i] = entry.getValue()[0];
            updatedAt[i] = entry.getValue()[1];
            i++;
        }
        try (PreparedStatement upsert = connection.prepareStatement(UPSERT_RECEIPTS)) {
            Array[] arrays = {connection.createArrayOf("varchar", keys), connection.createArrayOf("varchar", users),
                    connection.createArrayOf("varchar", kinds), connection.createArrayOf("bigint", orderKeys),
                    connection.createArrayOf("bigint", updatedAt)};
            for (int c = 0; c < arrays.length; c++) {
                upsert.setArray(c + 1, arrays[c]);
            }
            upsert.executeUpdate();
        }
        return withdrawals;
    }

    /**
     * Applies one recall; the withdrawal of the upload the message carried, if any. A recall seen again (same sender and
     * timestamp as the one applied) gives its withdrawal again: the first pass may have failed to write it.
     */
    private MediaWithdrawn revoke(Connection connection, Stamped stamped, Map<String, Touched> touched) throws SQLException {
        Envelope envelope = stamped.envelope();
        String messageId = envelope.action().messageId();
        String sender = envelope.sender().id();
        String body;
        try (PreparedStatement select = connection.prepareStatement("select body, conversation_key, sender_id, sent_at, "
                + "revoked_at, revoked_by, revoked_media_id from message where message_id = ? for update")) {
            select.setString(1, messageId);
            try (ResultSet row = select.executeQuery()) {
                boolean found = row.next();
                if (found && row.getObject(5) != null && row.getLong(5) == envelope.timestamp()
                        && sender.equals(row.getString(6)) && row.getString(2).equals(stamped.key().value())) {
                    String mediaId = row.getString(7);
                    return mediaId == null ? null : MediaWithdrawn.of(mediaId, messageId, sender, envelope.timestamp());
                }
                if (!found || row.getObject(5) != null || !row.getString(2).equals(stamped.key().value())
                        || !row.getString(3).equals(sender)
                        || envelope.timestamp() - row.getLong(4) > config.revokeWindow().toMillis()) {
                    LOG.infof("recall of %s by %s not applied (unknown, recalled already, not the sender's or too late)",
                            messageId, sender);
                    return null;
                }
                body = row.getString(1);
            }
        }
        Message message = JsonCodec.decode(body, Message.class);
        String mediaId = message.content() == null ? null : message.content().mediaId();
        try (PreparedStatement update = connection.prepareStatement("update message set revoked_at = ?, revoked_by = ?, "
                + "body = ?, search_text = null, mentioned = null, mentions_all = false, revoked_media_id = ? "
                + "where message_id = ?")) {
            update.setLong(1, envelope.timestamp());
            update.setString(2, sender);
            update.setString(3, JsonCodec.encode(message.recalled()));
            update.setString(4, mediaId);
            update.setString(5, messageId);
            update.executeUpdate();
        }
        // every participant's kept unread count may have counted the recalled message
        try (PreparedStatement bump = connection.prepareStatement(
                "update conversation set recall_generation = recall_generation + 1 where conversation_key = ?")) {
            bump.setString(1, stamped.key().value());
            bump.executeUpdate();
        }
        touched.merge(stamped.key().value(), new Touched(stamped.key().value(), new HashSet<>(), true),
                (a, b) -> new Touched(a.conversationKey(), a.senders(), true));
        return mediaId == null ? null : MediaWithdrawn.of(mediaId, messageId, sender, envelope.timestamp());
    }
}
