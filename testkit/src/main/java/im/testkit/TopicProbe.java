package im.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

/**
 * Reads and writes topics of a real broker in tests, as a backend or an operator's tool would: a consumer that starts at
 * the current end of a topic and a plain producer.
 */
public final class TopicProbe implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final List<ConsumerRecord<String, String>> received = new ArrayList<>();

    private TopicProbe(String bootstrapServers, String topic) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID(), ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false"),
                new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    /** A probe positioned at the current end of {@code topic}: it sees only what is written from now on. */
    public static TopicProbe fromEnd(String bootstrapServers, String topic) {
        return new TopicProbe(bootstrapServers, topic);
    }

    /** Waits for a record that matches and returns it. */
    public ConsumerRecord<String, String> await(Predicate<ConsumerRecord<String, String>> match) {
        return Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            poll();
            return received.stream().filter(match).findFirst().orElse(null);
        }, r -> r != null);
    }

    /** Waits until at least {@code count} records have arrived. */
    public List<ConsumerRecord<String, String>> awaitCount(int count) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            poll();
            return received.size() >= count;
        });
        return List.copyOf(received);
    }

    /** Reads whatever is there now, without waiting for more. */
    public List<ConsumerRecord<String, String>> drain() {
        poll();
        return List.copyOf(received);
    }

    private void poll() {
        consumer.poll(Duration.ofMillis(100)).forEach(received::add);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }

    /**
     * Header on every record {@link #produce} writes: the test wrote it, as a backend would, so a check of what the services
     * write (the system tests' contract check) can tell it from theirs.
     */
    public static final String WRITTEN_BY_TEST = "im-test-written-by";

    /** Writes one record with acks=all and waits for the broker's answer. */
    public static RecordMetadata produce(String bootstrapServers, ProducerRecord<String, String> record) {
        List<Header> headers = new ArrayList<>(List.of(record.headers().toArray()));
        headers.add(new RecordHeader(WRITTEN_BY_TEST, "TopicProbe".getBytes(StandardCharsets.UTF_8)));
        ProducerRecord<String, String> marked = new ProducerRecord<>(record.topic(), record.partition(), record.timestamp(),
                record.key(), record.value(), headers);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers, ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            return producer.send(marked).get(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("produce failed: " + e.getMessage(), e);
        }
    }
}
