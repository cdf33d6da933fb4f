package im.deploy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import im.protocol.RecordHeaders;
import im.protocol.Topics;

/**
 * {@code ./im dlq list|replay}: reads the dead letters of {@code im.dlq} with their reason and origin, and produces chosen
 * ones back to their origin topic once the cause is fixed. Plain Kafka clients, no consumer group (nothing is committed,
 * so listing twice shows the same records).
 */
public final class DlqCommand {
    static final String USAGE = """
            usage: ./im dlq list [--from-beginning] [--max N] [--bootstrap HOST:PORT]
                   ./im dlq replay (--offset N ... | --all) [--dry-run] [--bootstrap HOST:PORT]
              list             the last N dead letters (default 20; --from-beginning: the first N, --max 0: all)
                               with im-error, im-error-detail, im-dead-lettered-by, origin topic/partition/offset, key
                               and the start of the value
              replay           produces the dead letters at these im.dlq offsets (or all of them) back to their origin
                               topic with their key, value and headers (less im-error*, im-origin-*,
                               im-dead-lettered-by): by key, so a message lands on its conversation's partition;
                               im.deliveries records go to their origin partition (the node's slot). A record refused
                               by two consumers (routing and history both read im.messages.reliable) is replayed once.
              --bootstrap      Kafka bootstrap servers (default localhost:$IM_KAFKA_PORT, else localhost:9092)
              --dry-run        print what replay would produce, produce nothing""";
    private static final Duration POLL = Duration.ofMillis(500);
    private static final int VALUE_PREVIEW = 300;

    /** One parsed command line. */
    record Options(String action, String bootstrap, boolean fromBeginning, int max, Set<Long> offsets, boolean all,
            boolean dryRun) {}

    private DlqCommand() {
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("im dlq: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (options == null) {
            System.out.println(USAGE);
            return;
        }
        try {
            if ("list".equals(options.action())) {
                list(options);
            } else {
                replay(options);
            }
        } catch (RuntimeException | ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.err.println("im dlq: " + e.getMessage() + (cause != e ? " (" + cause + ")" : ""));
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.exit(1);
        }
    }

    /** Reads the command line; {@code null} for {@code --help}. */
    static Options parse(String[] args, Map<String, String> env) {
        if (args.length == 0 || "-h".equals(args[0]) || "--help".equals(args[0])) {
            return null;
        }
        String action = args[0];
        if (!"list".equals(action) && !"replay".equals(action)) {
            throw new IllegalArgumentException("unknown action: " + action);
        }
        String port = env.getOrDefault("IM_KAFKA_PORT", "");
        String bootstrap = "localhost:" + (port.isBlank() ? "9092" : port.strip());
        boolean fromBeginning = false;
        int max = 20;
        Set<Long> offsets = new LinkedHashSet<>();
        boolean all = false;
        boolean dryRun = false;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--bootstrap" -> bootstrap = value(args, ++i, arg);
                case "--from-beginning" -> fromBeginning = true;
                case "--max" -> max = number(value(args, ++i, arg), arg).intValue();
                case "--offset" -> offsets.add(number(value(args, ++i, arg), arg));
                case "--all" -> all = true;
                case "--dry-run" -> dryRun = true;
                case "-h", "--help" -> {
                    return null;
                }
                default -> throw new IllegalArgumentException("unexpected argument: " + arg);
            }
        }
        if ("replay".equals(action) && offsets.isEmpty() == !all) {
            throw new IllegalArgumentException("replay needs --offset N (one or more) or --all");
        }
        return new Options(action, bootstrap, fromBeginning, max, Set.copyOf(offsets), all, dryRun);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static Long number(String value, String option) {
        try {
            long n = Long.parseLong(value.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException(option + " must be a number >= 0, not " + value);
    }

    private static void list(Options options) {
        List<ConsumerRecord<String, byte[]>> records = read(options.bootstrap(), null);
        int from = 0;
        int to = records.size();
        if (options.max() > 0 && records.size() > options.max()) {
            if (options.fromBeginning()) {
                to = options.max();
            } else {
                from = records.size() - options.max();
            }
        }
        System.out.printf("%d dead letter(s) in %s; showing %d%n", records.size(), Topics.DLQ, to - from);
        for (ConsumerRecord<String, byte[]> record : records.subList(from, to)) {
            System.out.printf("%n#%d  %s  %s  by %s%n", record.offset(), Instant.ofEpochMilli(record.timestamp()),
                    header(record, RecordHeaders.ERROR), header(record, RecordHeaders.DEAD_LETTERED_BY));
            System.out.printf("  origin  %s%n", origin(record));
            System.out.printf("  detail  %s%n", header(record, RecordHeaders.ERROR_DETAIL));
            System.out.printf("  key     %s%n", record.key());
            System.out.printf("  value   %s%n", preview(record.value()));
        }
    }

    private static void replay(Options options) throws ExecutionException, InterruptedException {
        List<ConsumerRecord<String, byte[]>> records = read(options.bootstrap(), options.all() ? null : options.offsets());
        Set<Long> found = new HashSet<>();
        records.forEach(record -> found.add(record.offset()));
        for (Long offset : options.offsets()) {
            if (!found.contains(offset)) {
                System.err.printf("im dlq: no dead letter at offset %d of %s%n", offset, Topics.DLQ);
            }
        }
        Set<String> origins = new HashSet<>();
        int produced = 0;
        try (KafkaProducer<String, byte[]> producer = options.dryRun() ? null : producer(options.bootstrap())) {
            for (ConsumerRecord<String, byte[]> record : records) {
                String topic = header(record, RecordHeaders.ORIGIN_TOPIC);
                if (topic == null) {
                    System.err.printf("im dlq: #%d has no %s header: skipped%n", record.offset(), RecordHeaders.ORIGIN_TOPIC);
                    continue;
                }
                if (!origins.add(origin(record))) {
                    System.out.printf("#%d  skipped: same origin %s as an earlier dead letter%n", record.offset(),
                            origin(record));
                    continue;
                }
                ProducerRecord<String, byte[]> back = new ProducerRecord<>(topic, partitionFor(topic, record), record.key(),
                        record.value(), originalHeaders(record));
                if (producer == null) {
                    System.out.printf("#%d  would go to %s (key %s)%n", record.offset(), topic, record.key());
                    produced++;
                    continue;
                }
                RecordMetadata written = producer.send(back).get();
                produced++;
                System.out.printf("#%d  replayed to %s-%d@%d (key %s)%n", record.offset(), written.topic(),
                        written.partition(), written.offset(), record.key());
            }
        }
        System.out.printf(options.dryRun() ? "%d record(s) would be replayed (dry run)%n" : "%d record(s) replayed%n",
                produced);
    }

    /** im.deliveries is partitioned by node slot, not by key: back to the same partition; everything else by key. */
    private static Integer partitionFor(String topic, ConsumerRecord<String, byte[]> record) {
        if (Topics.DELIVERIES.equals(topic) || record.key() == null) {
            String partition = header(record, RecordHeaders.ORIGIN_PARTITION);
            return partition == null ? null : Integer.valueOf(partition);
        }
        return null;
    }

    /** The record's own headers, without what dead-lettering added (the consumer would read them as its own). */
    static List<Header> originalHeaders(ConsumerRecord<String, byte[]> record) {
        List<Header> headers = new ArrayList<>();
        for (Header header : record.headers()) {
            String key = header.key();
            if (!key.startsWith("im-error") && !key.startsWith("im-origin")
                    && !key.equals(RecordHeaders.DEAD_LETTERED_BY)) {
                headers.add(new RecordHeader(key, header.value()));
            }
        }
        return headers;
    }

    private static String origin(ConsumerRecord<String, byte[]> record) {
        return header(record, RecordHeaders.ORIGIN_TOPIC) + "-" + header(record, RecordHeaders.ORIGIN_PARTITION) + "@"
                + header(record, RecordHeaders.ORIGIN_OFFSET);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The start of a value as text, control characters escaped so a poison record cannot mess up the terminal. */
    static String preview(byte[] value) {
        if (value == null) {
            return "(null)";
        }
        String text = new String(value, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(VALUE_PREVIEW).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        if (text.codePointCount(0, text.length()) > VALUE_PREVIEW) {
            out.append("… (").append(value.length).append(" bytes)");
        }
        return out.toString();
    }

    /** Every record of im.dlq up to its current end (or just those at {@code offsets}), in offset order. */
    private static List<ConsumerRecord<String, byte[]>> read(String bootstrap, Set<Long> offsets) {
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrap, "client.id", "im-dlq",
                "enable.auto.commit", false, "key.deserializer", StringDeserializer.class.getName(),
                "value.deserializer", ByteArrayDeserializer.class.getName(), "default.api.timeout.ms", 15_000);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DLQ).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("no topic " + Topics.DLQ + " at " + bootstrap);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))
                            && (offsets == null || offsets.contains(record.offset()))) {
                        records.add(record);
                    }
                }
            }
        }
        records.sort((a, b) -> a.partition() != b.partition()
                ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return records;
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "client.id", "im-dlq-replay", "acks", "all",
                "enable.idempotence", true, "key.serializer", StringSerializer.class.getName(), "value.serializer",
                ByteArraySerializer.class.getName()));
    }
}
