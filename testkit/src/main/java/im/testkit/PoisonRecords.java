package im.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * What a broken backend or an attacker with produce rights writes to a topic, for fault-injection tests: each kind of
 * poison record, written with a given key to that key's partition (or deliberately to another), so a test can follow it
 * with a good record on the same partition and check that the good one is processed and the bad ones dead-lettered.
 */
public final class PoisonRecords {

    /** One poison record as written: what kind, where. */
    public record Written(String kind, String topic, int partition, long offset) {}

    private PoisonRecords() {
    }

    /** The partition the default partitioner gives {@code key} among {@code partitions}. */
    public static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** A key of the form {@code prefix + n} that the default partitioner puts in {@code partition}. */
    public static String keyFor(String prefix, int partition, int partitions) {
        for (int n = 0;; n++) {
            if (partitionOf(prefix + n, partitions) == partition) {
                return prefix + n;
            }
        }
    }

    /**
     * Writes one record of each kind with {@code key}: kinds are named by the map's keys, values are the JSON (or any
     * text) to write; {@code null} values are written as they are (a tombstone). Returns where each landed.
     */
    public static List<Written> write(String bootstrapServers, String topic, String key, Map<String, String> kinds) {
        List<Written> written = new ArrayList<>();
        try (KafkaProducer<String, String> producer = producer(bootstrapServers)) {
            for (Map.Entry<String, String> kind : kinds.entrySet()) {
                var metadata = producer.send(new ProducerRecord<>(topic, key, kind.getValue())).get(20, TimeUnit.SECONDS);
                written.add(new Written(kind.getKey(), topic, metadata.partition(), metadata.offset()));
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot write poison records: " + e.getMessage(), e);
        }
        return written;
    }

    /** Writes {@code value} with {@code key} to {@code partition}, whatever partition the key belongs to. */
    public static Written writeTo(String bootstrapServers, String topic, int partition, String key, String value) {
        try (KafkaProducer<String, String> producer = producer(bootstrapServers)) {
            var metadata = producer.send(new ProducerRecord<>(topic, partition, key, value)).get(20, TimeUnit.SECONDS);
            return new Written("wrong partition", topic, metadata.partition(), metadata.offset());
        } catch (Exception e) {
            throw new IllegalStateException("cannot write a record: " + e.getMessage(), e);
        }
    }

    /**
     * The usual poison for a JSON topic, derived from one valid record: not JSON, JSON of another shape, null inside a
     * list, a NUL in a string, an id longer than storage allows. {@code edit} turns the valid JSON into each variant.
     */
    public static Map<String, String> jsonKinds(String valid, UnaryOperator<String> nullInList,
            UnaryOperator<String> nulInText, UnaryOperator<String> overlongId) {
        Map<String, String> kinds = new LinkedHashMap<>();
        kinds.put("garbage", "\u0001not json{{");
        kinds.put("schema-invalid", "{\"v\":1,\"unexpected\":[1,2,3]}");
        kinds.put("null inside a list", nullInList.apply(valid));
        kinds.put("NUL in text", nulInText.apply(valid));
        kinds.put("over-long id", overlongId.apply(valid));
        return kinds;
    }

    private static KafkaProducer<String, String> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers, "acks", "all"), new StringSerializer(),
                new StringSerializer());
    }
}
