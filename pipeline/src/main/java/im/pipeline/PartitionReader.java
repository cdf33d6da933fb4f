package im.pipeline;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a range of one partition with a consumer of its own, outside any group: what a consumer that takes over a
 * partition reads back to rebuild the state the previous owner held in memory (the partition's tail before the committed
 * offset).
 */
public final class PartitionReader {

    private PartitionReader() {
    }

    /**
     * Hands every record of {@code partition} from {@code from} (inclusive) to {@code to} (exclusive) to {@code each}, in
     * order; returns how many there were. Gives up after {@code timeout} with what it read.
     */
    public static int read(Map<String, Object> kafkaConfig, TopicPartition partition, long from, long to,
            Duration timeout, Consumer<ConsumerRecord<String, byte[]>> each) {
        if (to <= from) {
            return 0;
        }
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.remove("group.id");
        config.put("enable.auto.commit", false);
        config.put("key.deserializer", StringDeserializer.class.getName());
        config.put("value.deserializer", ByteArrayDeserializer.class.getName());
        config.put("max.poll.records", 2000);
        config.put("auto.offset.reset", "earliest");
        int read = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, from);
            while (consumer.position(partition) < to && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() >= to) {
                        return read;
                    }
                    each.accept(record);
                    read++;
                }
            }
        }
        return read;
    }
}
