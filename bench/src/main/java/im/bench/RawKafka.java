package im.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.Origin;
import im.protocol.Priority;
import im.protocol.Sender;

/**
 * Kafka's own {@code ProducerPerformance} and {@code EndToEndLatency} (kafka-tools, the broker's version) against the
 * same broker, with the record size of our envelope JSON and acks=all, each in a child JVM; their output is parsed.
 */
final class RawKafka {
    record Result(double producerRecordsPerSecond, double producerAvgMs, double producerP99Ms, double e2eAvgMs,
            double e2eP50Ms, double e2eP99Ms, double e2eP999Ms, String producerLine, String e2eLines) {}

    private RawKafka() {
    }

    /** Bytes of the JSON our gateway writes to im.messages.reliable for one of the harness's peer texts. */
    static int envelopeSize(int textSize) {
        String text = Traffic.payload('T', Clock.now(), textSize);
        ConversationRef to = new ConversationRef(ConversationType.PEER, "lr-abcd-12");
        long now = System.currentTimeMillis();
        Envelope envelope = new Envelope(Envelope.VERSION, MessageIds.next(now), "c123456", ConversationKey.of("ls-abcd-12", to)
                .value(), to, new Sender("ls-abcd-12", "ls-abcd-12"), now, Priority.LOW, null, null, null,
                new Origin("gw-1", "1f0e9c7a-5b5d-4a4e-9d0b-3c2d1e0f9a8b"), MessageContent.text(text), null);
        return JsonCodec.encode(envelope).getBytes(StandardCharsets.UTF_8).length;
    }

    static Result run(String bootstrap, int recordSize, int records, int e2eMessages) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic("bench.raw", BenchStack.MESSAGE_PARTITIONS, (short) 1),
                    new NewTopic("bench.e2e", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        String producer = tool("org.apache.kafka.tools.ProducerPerformance", "--topic", "bench.raw", "--num-records",
                String.valueOf(records), "--record-size", String.valueOf(recordSize), "--throughput", "-1",
                "--producer-props", "bootstrap.servers=" + bootstrap, "acks=all");
        String e2e = tool("org.apache.kafka.tools.EndToEndLatency", bootstrap, "bench.e2e", String.valueOf(e2eMessages),
                "all", String.valueOf(recordSize));
        String last = "";
        for (String line : producer.split("\n")) {
            if (line.contains("th.")) {
                last = line.trim();
            }
        }
        Matcher p = Pattern.compile("records sent, ([0-9.]+) records/sec .*?, ([0-9.]+) ms avg latency.*?(\\d+) ms 99th")
                .matcher(last);
        Matcher avg = Pattern.compile("Avg latency: ([0-9.]+) ms").matcher(e2e);
        Matcher pct = Pattern.compile("50th = (\\d+), 99th = (\\d+), 99.9th = (\\d+)").matcher(e2e);
        if (!p.find() || !avg.find() || !pct.find()) {
            throw new IllegalStateException("cannot read the Kafka tools' output:\n" + producer + "\n" + e2e);
        }
        List<String> e2eLines = new ArrayList<>();
        for (String line : e2e.split("\n")) {
            if (line.contains("latency") || line.contains("Percentiles")) {
                e2eLines.add(line.trim());
            }
        }
        return new Result(Double.parseDouble(p.group(1)), Double.parseDouble(p.group(2)), Double.parseDouble(p.group(3)),
                Double.parseDouble(avg.group(1)), Double.parseDouble(pct.group(1)), Double.parseDouble(pct.group(2)),
                Double.parseDouble(pct.group(3)), last, String.join("; ", e2eLines));
    }

    private static String tool(String main, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(BenchStack.java(), "-Xmx512m", "-cp",
                System.getProperty("java.class.path"), main));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(main + " did not finish");
        }
        return out;
    }
}
