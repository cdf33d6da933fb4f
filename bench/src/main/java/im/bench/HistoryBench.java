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
 * at the end the average and the CPU per message of each process. Not a test: a harness that prints figures. Usage:
 * {@code ./im bench history [messages] [--no-notifications]}.
 */
public final class HistoryBench {

    private HistoryBench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> arguments = List.of(args);
        // every recipient of the fill is offline (nobody publishes presence): each stored message is also notified, with
        // its recipient's unread counts (im.notifications); --no-notifications measures storing alone, as when every
        // recipient is online
        boolean notifications = !arguments.contains("--no-notifications");
        int total = arguments.stream().filter(a -> !a.startsWith("--")).findFirst().map(Integer::parseInt)
                .orElse(200_000);
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
            Map<TopicPartition, Long> filledTo;
            try (Admin admin = kafka.admin()) {
                filledTo = endOffsets(admin);
                inTopic = filledTo.values().stream().mapToLong(Long::longValue).sum();
            }
            System.out.printf("topic filled in %.1f s (%,.0f records/s produced, acks=all): %,d records%n",
                    filled / 1000.0, inTopic * 1000.0 / filled, inTopic);
            total = (int) inTopic;

            System.out.println(notifications
                    ? "recipients offline: every stored message is notified (im.notifications, with unread counts)"
                    : "notifications off (--no-notifications): storing alone, as when every recipient is online");
            ServiceProcess history = ServiceProcess.start(root, "history-service", "history-bench", FreePorts.next(),
                    Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(), "quarkus.datasource.jdbc.url", pg.jdbcUrl(),
                            "quarkus.datasource.username", pg.username(), "quarkus.datasource.password", pg.password(),
                            "im.jwt.secret", Tokens.DEV_SECRET, "quarkus.log.level", "WARN",
                            "im.history.notifications.enabled", String.valueOf(notifications)),
                    work.resolve("history.log"), "-Xmx1g", "-XX:+UseParallelGC");
            try (history;
                    Admin admin = kafka.admin();
                    Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.username(), pg.password())) {
                history.awaitReady(Duration.ofSeconds(120));
                // the broker runs in this JVM: "harness + broker" (the harness itself only polls offsets once a second)
                CpuMeter cpu = new CpuMeter().add("history", history.pid()).addTree("postgresql", pg.pid())
                        .add("harness + broker", ProcessHandle.current().pid());
                Map<String, Double> cpu0 = cpu.sample();
                int stored = measure(total, filledTo, admin, db);
                Map<String, Double> spent = CpuMeter.between(cpu0, cpu.sample());
                double sum = spent.values().stream().mapToDouble(Double::doubleValue).sum();
                StringBuilder line = new StringBuilder("CPU µs per stored message (service start to the last row):");
                spent.forEach((name, seconds) -> line.append(String.format(" %s %.1f;", name, seconds * 1e6 / stored)));
                System.out.println(line.append(String.format(" all %.1f", sum * 1e6 / stored)));
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

    /**
     * Prints progress every second until every record is stored; the rows stored. Progress is read from the group's
     * committed offsets (a batch commits them once its transaction has), not by counting rows: {@code count(*)} over a
     * table of a million rows every second would cost PostgreSQL the CPU being measured. The last figure is a count.
     */
    private static int measure(int total, Map<TopicPartition, Long> filledTo, Admin admin, Connection db) throws Exception {
        long start = System.nanoTime();
        long last = 0;
        long lastTime = start;
        System.out.println("   t(s)   stored   stored/s   lag");
        while (true) {
            long stored = done(admin, filledTo);
            long now = System.nanoTime();
            long lag = total - stored;
            System.out.printf("%7.1f %8d %10.0f %6d%n", (now - start) / 1e9, stored,
                    (stored - last) * 1e9 / Math.max(1, now - lastTime), lag);
            last = stored;
            lastTime = now;
            if (lag == 0) {
                long rows = count(db);
                double seconds = (now - start) / 1e9;
                System.out.printf("stored %,d messages in %.1f s: %,.0f messages/s on average (from service start, "
                        + "including its first poll); %,d rows in the message table%n", stored, seconds,
                        stored / seconds, rows);
                return (int) stored;
            }
            if ((now - start) / 1e9 > 600) {
                System.out.println("gave up after 600 s");
                return (int) stored;
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

    /**
     * The records of the fill the {@code history} group has committed: per partition its committed offset, at most the
     * fill's end (history's own events written after the fill would count otherwise).
     */
    private static long done(Admin admin, Map<TopicPartition, Long> filledTo) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("history")
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        long done = 0;
        for (Map.Entry<TopicPartition, Long> end : filledTo.entrySet()) {
            OffsetAndMetadata offset = committed.get(end.getKey());
            done += Math.min(end.getValue(), offset == null ? 0 : offset.offset());
        }
        return done;
    }
}
