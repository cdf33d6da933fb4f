package im.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import im.protocol.Topics;

/**
 * Reads {@code im.messages.reliable} from the beginning to its end offsets (a plain consumer, no group) and counts the
 * records of this run per clientMsgId: tells a message that never reached Kafka from one that Kafka has and history did
 * not store.
 */
final class TopicScan {

    private TopicScan() {
    }

    /** Records per clientMsgId of senders whose id starts with {@code senderPrefix}; null when the topic cannot be read. */
    static Map<String, Integer> records(String bootstrap, int partitions, String senderPrefix, Duration timeout) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> counts = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                all.add(new TopicPartition(Topics.MESSAGES_RELIABLE, p));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);
            Map<TopicPartition, Long> ends = consumer.endOffsets(all);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (all.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    return null;
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        JsonNode envelope = json.readTree(record.value());
                        if (!envelope.has("action") && envelope.path("sender").path("id").asText("").startsWith(senderPrefix)) {
                            counts.merge(envelope.path("clientMsgId").asText("?"), 1, Integer::sum);
                        }
                    } catch (Exception e) {
                        // not one of ours
                    }
                }
            }
            return counts;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
