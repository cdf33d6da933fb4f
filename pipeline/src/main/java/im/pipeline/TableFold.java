package im.pipeline;

import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import im.protocol.JsonCodec;
import im.protocol.ProtocolException;

/**
 * A handler that folds a compacted topic into an in-memory table, written once for every such table (membership,
 * presence): each record is decoded (a null value is a tombstone), checked against its key, and applied; a record that
 * fails either is dead-lettered and changes nothing.
 *
 * @param <T> the record value's type
 */
public final class TableFold<T> implements ConsumerLoop.Handler {
    private final Class<T> type;
    private final BiConsumer<String, T> check;
    private final BiConsumer<String, T> apply;

    private TableFold(Class<T> type, BiConsumer<String, T> check, BiConsumer<String, T> apply) {
        this.type = type;
        this.check = check;
        this.apply = apply;
    }

    /**
     * @param type the value type the JSON decodes to
     * @param check throws a {@link ProtocolException} for a record that must not be applied (key and value, value null for
     *            a tombstone)
     * @param apply applies a checked record to the table
     */
    public static <T> TableFold<T> of(Class<T> type, BiConsumer<String, T> check, BiConsumer<String, T> apply) {
        return new TableFold<>(type, check, apply);
    }

    @Override
    public CompletionStage<?> handle(Batch batch) {
        for (ConsumerRecord<String, byte[]> record : batch.records()) {
            try {
                T value = record.value() == null ? null : JsonCodec.decode(record.value(), type);
                check.accept(record.key(), value);
                apply.accept(record.key(), value);
            } catch (ProtocolException e) {
                batch.deadLetter(record, e);
            }
        }
        return null;
    }
}
