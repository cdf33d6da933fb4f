package im.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.Mentions;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.Sender;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.EmbeddedPg;
import im.testkit.FreePorts;
import im.testkit.ServiceProcess;
import im.testkit.Tokens;

/**
 * Storage throughput of history-service: fills {@code im.messages.reliable} with N text messages (many peer
 * conversations, ~120-byte texts, every 10th with a mention), then starts the packaged history-service against a real
 * broker and a real PostgreSQL and prints, every second, the rows stored per second and the consumer group's lag, and
 * at the end the average. Not a test: a harness that prints figures. Usage: {@code ./im bench history [messages]}.
 */
public final class HistoryBench {

    private HistoryBench() {
    }

    public static void main(String[] args) throws Exception {
        int total = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int partitions = 8;
        Path root = Path.of(System.getProperty("im.root", ".")).toAbsolutePath();
        Files.createDirectories(root.resolve(".data"));
        Path work = Files.createTempDirectory(root.resolve(".data"), "bench-");
        System.out.printf("history storage benchmark: %,d messages, %d partitions, %d cores%n", total, partitions,
                Runtime.getRuntime().availableProcessors());
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"), FreePorts.next(), FreePorts.next());
                EmbeddedPg pg = EmbeddedPg.start(work.resolve("pg"), FreePorts.next())) {
            kafka.createTopics(Topics.specs(partitions, Topics.DEFAULT_GATEWAY_SLOTS));
            long filled = fill(kafka.bootstrapServers(), total);
            long inTopic;
            try (Admin admin = kafka.admin()) {
                inTopic = endOffsets(admin).values().stream().mapToLong(Long::longValue).sum();
            }
            System.out.printf("topic filled in %.1f s (%,.0f records/s produced, acks=all): %,d records%n",
                    filled / 1000.0, inTopic * 1000.0 / filled, inTopic);
            total = (int) inTopic;

            ServiceProcess history = ServiceProcess.start(root, "history-service", "history-bench", FreePorts.next(),
                    Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(), "quarkus.datasource.jdbc.url", pg.jdbcUrl(),
                            "quarkus.datasource.username", pg.username(), "quarkus.datasource.password", pg.password(),
                            "im.jwt.secret", Tokens.DEV_SECRET, "quarkus.log.level", "WARN"),
                    work.resolve("history.log"), "-Xmx1g", "-XX:+UseParallelGC");
            try (history;
                    Admin admin = kafka.admin();
                    Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.username(), pg.password())) {
                history.awaitReady(Duration.ofSeconds(120));
                measure(total, admin, db);
            }
        } finally {
            try (var paths = Files.walk(work)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static long fill(String bootstrap, int total) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        long start = System.currentTimeMillis();
        AtomicLong failed = new AtomicLong();
        String text = "benchmark message with some ordinary chat text in it, about as long as a typical line typed "
                + "on a phone, #";
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < total; i++) {
                String from = "u" + (i % 2000);
                ConversationRef to = new ConversationRef(ConversationType.PEER, "v" + (i % 1000));
                long now = System.currentTimeMillis();
                Envelope envelope = new Envelope(1, MessageIds.next(now), "c" + i, ConversationKey.of(from, to).value(), to,
                        new Sender(from, null), now, null, i % 10 == 0 ? new Mentions(List.of(to.id()), false) : null, null,
                        null, null, MessageContent.text(text + i));
                producer.send(new ProducerRecord<>(Topics.MESSAGES_RELIABLE, envelope.conversationKey(),
                        JsonCodec.encode(envelope)), (metadata, failure) -> {
                            if (failure != null) {
                                failed.incrementAndGet();
                            }
                        });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            System.out.printf("%,d records could not be written while filling; the benchmark counts what is there%n",
                    failed.get());
        }
        return System.currentTimeMillis() - start;
    }

    private static void measure(int total, Admin admin, Connection db) throws Exception {
        long start = System.nanoTime();
        long last = 0;
        long lastTime = start;
        System.out.println("   t(s)   stored   stored/s   lag");
        while (true) {
            long stored = count(db);
            long now = System.nanoTime();
            long lag = lag(admin);
            System.out.printf("%7.1f %8d %10.0f %6d%n", (now - start) / 1e9, stored,
                    (stored - last) * 1e9 / Math.max(1, now - lastTime), lag);
            last = stored;
            lastTime = now;
            if (stored >= total) {
                double seconds = (now - start) / 1e9;
                System.out.printf("stored %,d messages in %.1f s: %,.0f messages/s on average (from service start, "
                        + "including its first poll)%n", stored, seconds, stored / seconds);
                return;
            }
            if ((now - start) / 1e9 > 600) {
                System.out.println("gave up after 600 s");
                return;
            }
            TimeUnit.SECONDS.sleep(1);
        }
    }

    private static long count(Connection db) {
        try (Statement statement = db.createStatement();
                ResultSet result = statement.executeQuery("select count(*) from message")) {
            result.next();
            return result.getLong(1);
        } catch (Exception e) {
            return 0; // the schema is not there until the service has migrated it
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin) throws Exception {
        List<TopicPartition> partitions = admin.describeTopics(List.of(Topics.MESSAGES_RELIABLE)).allTopicNames()
                .get(10, TimeUnit.SECONDS).get(Topics.MESSAGES_RELIABLE).partitions().stream()
                .map(p -> new TopicPartition(Topics.MESSAGES_RELIABLE, p.partition())).toList();
        return admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p,
                p -> OffsetSpec.latest()))).all().get(10, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private static long lag(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("history")
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        List<TopicPartition> partitions = admin.describeTopics(List.of(Topics.MESSAGES_RELIABLE)).allTopicNames()
                .get(10, TimeUnit.SECONDS).get(Topics.MESSAGES_RELIABLE).partitions().stream()
                .map(p -> new TopicPartition(Topics.MESSAGES_RELIABLE, p.partition())).toList();
        long lag = 0;
        var ends = admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p,
                p -> OffsetSpec.latest()))).all().get(10, TimeUnit.SECONDS);
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata done = committed.get(partition);
            lag += ends.get(partition).offset() - (done == null ? 0 : done.offset());
        }
        return lag;
    }
}
