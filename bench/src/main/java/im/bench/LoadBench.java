package im.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.utils.AppInfoParser;

/**
 * {@code ./im bench <peer|latency|overload|room|connections|kafka|all> [options]}: drives the whole stack with real
 * WebSocket clients and prints a Markdown table; {@code all} also runs Kafka's own tools against the same broker and
 * writes {@code docs/benchmarks/<name>.json|.md} and {@code docs/benchmarks/latency.png}. Not a test: a harness that
 * prints figures.
 */
public final class LoadBench {
    private static final List<String> ORDER = List.of("peer", "latency", "overload", "room", "connections", "kafka");

    private LoadBench() {
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (!options.scenario.equals("all") && !ORDER.contains(options.scenario)) {
            System.err.println("unknown scenario " + options.scenario + "\n" + Options.USAGE);
            System.exit(2);
        }
        Path root = Path.of(System.getProperty("im.root", ".")).toAbsolutePath().normalize();
        List<String> scenarios = options.scenario.equals("all") ? ORDER : List.of(options.scenario);
        Map<String, String> setup = setup(options);
        System.out.println("IM load bench: " + String.join(", ", scenarios));
        setup.forEach((k, v) -> System.out.println("  " + k + ": " + v));
        long started = System.nanoTime();
        BenchStack stack = options.useRunning ? BenchStack.useRunning(root, options.url) : startStack(root);
        Thread hook = new Thread(stack::close, "bench-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        List<Section> sections = new ArrayList<>();
        try {
            setup.putAll(stack.settings);
            Scenarios runner = new Scenarios(stack, options);
            for (String scenario : scenarios) {
                long t = System.nanoTime();
                System.out.println("\n== " + scenario);
                try {
                    Section section = switch (scenario) {
                        case "peer" -> runner.peerThroughput();
                        case "latency" -> runner.latency();
                        case "overload" -> runner.overload();
                        case "room" -> runner.room();
                        case "connections" -> Connections.run(stack, options);
                        default -> kafka(stack, options, sections);
                    };
                    sections.add(section);
                    System.out.print(Report.markdown(scenario, Map.of(), List.of(section)));
                } catch (Exception | Error e) {
                    e.printStackTrace();
                    Section failed = new Section(scenario, scenario + " (failed)", "The scenario failed: " + e, "-");
                    sections.add(failed);
                }
                System.out.printf("(%s took %.0f s)%n", scenario, (System.nanoTime() - t) / 1e9);
            }
        } finally {
            stack.close();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        setup.put("wall time", String.format("%.0f s", (System.nanoTime() - started) / 1e9));
        String name = options.scenario.equals("all") ? options.name : options.name + "-" + options.scenario;
        String md = Report.markdown(name, setup, sections);
        System.out.println("\n" + md);
        if (options.write) {
            Path dir = root.resolve("docs/benchmarks");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".md"), md);
            Report.json(dir.resolve(name + ".json"), name, setup, sections);
            boolean curves = sections.stream().anyMatch(s -> !s.curves.isEmpty());
            if (curves) {
                Path png = dir.resolve(options.scenario.equals("all") ? "latency.png" : name + "-latency.png");
                Report.plot(png, "IM latency percentiles (run " + name + ")", sections);
                System.out.println("wrote " + root.relativize(png));
            }
            System.out.println("wrote " + root.relativize(dir.resolve(name + ".md")) + " and .json");
        }
        System.exit(0);
    }

    private static BenchStack startStack(Path root) throws Exception {
        long t = System.nanoTime();
        System.out.println("starting the stack (Kafka, PostgreSQL, gateway, routing, history) under .data/bench-*");
        BenchStack stack = BenchStack.start(root);
        System.out.printf("stack up in %.0f s: gateway %s (pid %d)%n", (System.nanoTime() - t) / 1e9, stack.gatewayUrl(),
                stack.gatewayPid());
        return stack;
    }

    private static Section kafka(BenchStack stack, Options options, List<Section> earlier) throws Exception {
        int size = RawKafka.envelopeSize(options.textSize);
        RawKafka.Result k = RawKafka.run(stack.bootstrap, size, options.kafkaRecords, options.kafkaE2e);
        Section section = new Section("kafka", "Raw Kafka on the same broker, and our figures next to it",
                "Kafka's own tools (kafka-tools " + AppInfoParser.getVersion()
                        + ", child JVMs) against the broker of this run, record size "
                        + size + " bytes (the JSON of one of our envelopes with a " + options.textSize + "-char text), "
                        + "acks=all: `ProducerPerformance` (" + Section.count(options.kafkaRecords) + " records, "
                        + "unthrottled, default producer settings, topic of " + BenchStack.MESSAGE_PARTITIONS
                        + " partitions) and `EndToEndLatency` (" + Section.count(options.kafkaE2e) + " round trips one at "
                        + "a time, 1 partition; it reports whole milliseconds). Ratio = ours / Kafka's. Our path is two "
                        + "Kafka hops (gateway → im.messages.reliable → routing → im.deliveries → gateway) plus two "
                        + "WebSocket legs, so a latency ratio near 2 is the floor.",
                "figure", "ours", "Kafka", "ratio");
        Map<String, Object> peer = json(earlier, "peer");
        Map<String, Object> latency = json(earlier, "latency");
        double acked = peer == null ? Double.NaN : ((Number) peer.get("ackedPerSecond")).doubleValue();
        section.row("reliable sent→acked msg/s vs producer records/s", peer == null ? "-" : Section.rate(acked),
                Section.rate(k.producerRecordsPerSecond()), ratio(acked, k.producerRecordsPerSecond()));
        @SuppressWarnings("unchecked")
        Map<String, Object> at5000 = latency == null ? null : (Map<String, Object>) latency.get("at5000");
        @SuppressWarnings("unchecked")
        Map<String, Object> deliver = at5000 == null ? null : (Map<String, Object>) at5000.get("deliverLatency");
        String[][] pairs = {{"p50Ms", "p50"}, {"p99Ms", "p99"}, {"p999Ms", "p99.9"}};
        double[] theirs = {k.e2eP50Ms(), k.e2eP99Ms(), k.e2eP999Ms()};
        for (int i = 0; i < pairs.length; i++) {
            double ours = deliver == null || deliver.get(pairs[i][0]) == null
                    ? Double.NaN
                    : ((Number) deliver.get(pairs[i][0])).doubleValue();
            section.row("send→deliver " + pairs[i][1] + " ms @ 5,000/s vs end-to-end " + pairs[i][1] + " (one at a time)",
                    Double.isNaN(ours) ? "-" : String.format("%.2f", ours), String.format("%.0f", theirs[i]),
                    ratio(ours, theirs[i]));
        }
        section.row("producer avg / p99 ms (at full speed)", "-", String.format("%.1f / %.0f", k.producerAvgMs(),
                k.producerP99Ms()), "-");
        section.row("end-to-end avg ms", "-", String.format("%.2f", k.e2eAvgMs()), "-");
        section.notes.add("ProducerPerformance: `" + k.producerLine() + "`. EndToEndLatency: `" + k.e2eLines() + "`.");
        section.json.put("recordSize", size);
        section.json.put("producerRecordsPerSecond", k.producerRecordsPerSecond());
        section.json.put("producerAvgMs", k.producerAvgMs());
        section.json.put("producerP99Ms", k.producerP99Ms());
        section.json.put("e2eAvgMs", k.e2eAvgMs());
        section.json.put("e2eP50Ms", k.e2eP50Ms());
        section.json.put("e2eP99Ms", k.e2eP99Ms());
        section.json.put("e2eP999Ms", k.e2eP999Ms());
        return section;
    }

    private static Map<String, Object> json(List<Section> sections, String key) {
        return sections.stream().filter(s -> s.key.equals(key) && !s.json.isEmpty()).map(s -> s.json).findFirst()
                .orElse(null);
    }

    private static String ratio(double ours, double theirs) {
        if (Double.isNaN(ours) || theirs <= 0) {
            return "-";
        }
        return String.format("%.2f", ours / theirs);
    }

    private static Map<String, String> setup(Options options) {
        Map<String, String> setup = new LinkedHashMap<>();
        setup.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        setup.put("machine", Runtime.getRuntime().availableProcessors() + " cores (nproc), " + cpuModel() + ", "
                + memory() + ", load average at start " + loadAverage());
        setup.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (harness and services)");
        setup.put("harness JVM", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()
                .stream().filter(a -> !a.startsWith("-Dim.root")).toList()));
        setup.put("options", options.describe());
        setup.put("clients", "Vert.x 4.5 WebSocket clients on 2 event loops in the harness JVM (idle sessions: child "
                + "client processes); sender and receiver share the harness clock");
        return setup;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("cpu unknown");
        } catch (Exception e) {
            return "cpu unknown";
        }
    }

    private static String memory() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024 + " GiB").findFirst().orElse("?");
        } catch (Exception e) {
            return "?";
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }
}
