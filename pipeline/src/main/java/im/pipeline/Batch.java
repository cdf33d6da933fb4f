package im.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToIntFunction;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;

import im.protocol.ConversationKey;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * The records of one poll, in each partition's order, handed to a {@link ConsumerLoop.Handler}. A record the handler
 * finds broken goes to {@link #deadLetter}; the batch counts as done only once those dead letters are written too.
 */
public final class Batch {
    private final List<ConsumerRecord<String, byte[]>> records;
    private final DeadLetters deadLetters;
    private final ToIntFunction<String> partitionCounts;
    private final List<CompletableFuture<?>> pending = new ArrayList<>();
    private int deadLettered;

    Batch(List<ConsumerRecord<String, byte[]>> records, DeadLetters deadLetters, ToIntFunction<String> partitionCounts) {
        this.records = records;
        this.deadLetters = deadLetters;
        this.partitionCounts = partitionCounts;
    }

    public List<ConsumerRecord<String, byte[]>> records() {
        return records;
    }

    public int size() {
        return records.size();
    }

    /** Sends {@code record} to {@code im.dlq} with the refusal's code and detail; the batch waits for the write. */
    public void deadLetter(ConsumerRecord<String, byte[]> record, ProtocolException reason) {
        deadLettered++;
        pending.add(deadLetters.send(record, reason));
    }

    /**
     * Whether the record sits in the partition its key maps to with the default partitioner (murmur2 of the key's bytes).
     * Per-conversation order and orderKeys rest on it: a record written to another partition would share offsets with
     * another conversation's records. Unkeyed records never pass.
     */
    public boolean isOnKeyPartition(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            return false;
        }
        int partitions = partitionCounts.applyAsInt(record.topic());
        if (partitions <= 0) {
            return true; // partition count unknown: nothing to compare with
        }
        return Utils.toPositive(Utils.murmur2(record.key().getBytes(StandardCharsets.UTF_8))) % partitions == record
                .partition();
    }

    /**
     * Refuses ({@code INVALID_REQUEST}, so the record is dead-lettered) a message record whose key is not its conversation
     * key, or that sits outside its key's partition: a conversation is one partition's ordered stream, and its
     * orderKeys are that partition's offsets.
     */
    public void requireConversationPlacement(ConsumerRecord<String, byte[]> record, ConversationKey key) {
        if (!key.value().equals(record.key())) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                    "record key " + record.key() + " is not the conversation key " + key.value());
        }
        if (!isOnKeyPartition(record)) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "record written to partition " + record.partition()
                    + ", not its key's: a conversation's order (and its orderKeys) is one partition's");
        }
    }

    int deadLettered() {
        return deadLettered;
    }

    List<CompletableFuture<?>> pending() {
        return pending;
    }
}
