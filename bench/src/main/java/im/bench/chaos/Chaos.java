package im.bench.chaos;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.kafka.common.utils.AppInfoParser;

/**
 * {@code ./im chaos}: reliable messages through two gateway nodes while routing, history and a gateway are killed and the
 * broker is restarted; then, from the clients' records and history's table: acked messages lost, duplicates in history,
 * per-conversation order violations, online recipients' silent misses. Prints every figure with its setup; not a test.
 * Every wait has a deadline, so a run finishes and prints whatever the system under test does.
 */
public final class Chaos {
    private static final long BASE = System.nanoTime();

    private Chaos() {
    }

    /** The harness clock (nanos since the harness started): senders, receivers and faults share it. */
    static long now() {
        return System.nanoTime() - BASE;
    }

    public static void main(String[] args) throws Exception {
        // the harness's AdminClient would print every failed connection while the broker is down
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        ChaosOptions options;
        try {
            options = ChaosOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Path root = Path.of(System.getProperty("im.root", ".")).toAbsolutePath().normalize();
        long wallStart = now();
        Map<String, String> setup = setup(options);
        System.out.println("IM chaos run `" + options.name + "`");
        setup.forEach((k, v) -> System.out.println("  " + k + ": " + v));
        System.out.println("starting the stack (Kafka, PostgreSQL, routing, history, gateways gw-1 and gw-2) under "
                + ".data/chaos-*");
        ChaosStack stack = ChaosStack.start(root);
        Thread hook = new Thread(stack::close, "chaos-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        ChaosReport report;
        try {
            System.out.printf(Locale.ROOT, "stack up in %.0f s; logs in %s%n", (now() - wallStart) / 1e9,
                    root.relativize(stack.logs));
            setup.put("services", stack.jars.equals(root) ? "this checkout" : stack.jars + " (IM_BENCH_SERVICES)");
            setup.put("logs", root.relativize(stack.logs) + " (kept after the run)");
            report = run(options, stack, setup, wallStart);
        } finally {
            stack.close();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        System.out.println();
        System.out.println(report.md);
        if (options.write) {
            report.write(root);
            System.out.println("wrote docs/reliability/" + options.name + ".md and .json; row `" + options.name
                    + "` in docs/reliability.md");
        }
        System.exit(0);
    }

    private static ChaosReport run(ChaosOptions options, ChaosStack stack, Map<String, String> setup, long wallStart)
            throws Exception {
        int[] ports = {stack.gatewayPort(0), stack.gatewayPort(1)};
        setup.put("gateway nodes", String.format(Locale.ROOT, "gw-1 (slot 0, :%d) and gw-2 (slot 1, :%d); senders and "
                + "receivers alternate home nodes, a dropped socket reconnects to the other node first", ports[0],
                ports[1]));
        try (Fleet fleet = new Fleet(options, stack.secret, ports)) {
            long t = now();
            boolean all = fleet.connectAll(200, Duration.ofSeconds(120));
            int known = 0;
            long deadline = now() + TimeUnit.SECONDS.toNanos(30);
            while (now() < deadline && (known = fleet.receiversKnownToRouting(stack.routingUrl())) < fleet.receivers.length) {
                Thread.sleep(500);
            }
            System.out.printf(Locale.ROOT, "%,d sockets open%s in %.1f s; routing knows %,d of %,d receivers%n",
                    fleet.connected.get(), all ? "" : " (connect timed out)", (now() - t) / 1e9, known,
                    fleet.receivers.length);
            long start = now();
            Sampler sampler = new Sampler(fleet, stack.bootstrap, stack.routingUrl(), ChaosStack.MESSAGE_PARTITIONS, start);
            Faults faults = options.faults ? new Faults(stack, fleet, options, start) : null;
            Thread faulter = null;
            if (faults != null) {
                faulter = new Thread(faults, "chaos-faults");
                faulter.setDaemon(true);
                faulter.start();
            }
            fleet.sendAll(options.messages, start + TimeUnit.SECONDS.toNanos(options.trafficDeadlineSeconds),
                    faults == null ? () -> false : faults::pending, faults == null ? text -> {
                    } : faults::event);
            long trafficEnd = now();
            System.out.printf(Locale.ROOT, "sending done: %,d of %,d messages sent in %.1f s%n", fleet.firstSends.sum(),
                    options.messages, (trafficEnd - start) / 1e9);
            long drainDeadline = trafficEnd + TimeUnit.SECONDS.toNanos(options.drainDeadlineSeconds);
            if (faulter != null) {
                faults.trafficDone();
                faulter.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainDeadline - now())));
            }
            Map<String, String> drain = new LinkedHashMap<>();
            drain.put("acks", until("every message acked", () -> fleet.unacked() == 0, drainDeadline, trafficEnd));
            drain.put("lag", until("history's and routing's lag 0", () -> sampler.historyLag() == 0
                    && sampler.routingLag() == 0, drainDeadline, trafficEnd));
            drain.put("syncs", until("no sync running and no push for 3 s", () -> fleet.syncing.get() == 0
                    && now() - fleet.lastPushAt > TimeUnit.SECONDS.toNanos(3), drainDeadline, trafficEnd));
            Map<String, String> health = stack.health();
            fleet.stop();
            sampler.close();
            System.out.println("drain: " + String.join("; ", drain.values()));
            List<Faults.Hit> hits = faults == null ? List.of() : faults.hits();
            Audit audit = Audit.run(fleet, stack, hits, start);
            setup.put("wall time", String.format(Locale.ROOT, "%.0f s (stack start to audit)", (now() - wallStart) / 1e9));
            return ChaosReport.build(options.name, setup, fleet, audit, faults, sampler.samples(), start, trafficEnd,
                    drain, health);
        }
    }

    private static String until(String what, BooleanSupplier condition, long deadline, long since)
            throws InterruptedException {
        while (!condition.getAsBoolean()) {
            if (now() > deadline) {
                return what + ": NOT reached by the drain deadline";
            }
            Thread.sleep(200);
        }
        return String.format(Locale.ROOT, "%s after %.1f s", what, (now() - since) / 1e9);
    }

    private static Map<String, String> setup(ChaosOptions options) {
        Map<String, String> setup = new LinkedHashMap<>();
        setup.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        setup.put("machine", Runtime.getRuntime().availableProcessors() + " cores (nproc), " + cpuModel() + ", " + memory()
                + ", load average at start " + loadAverage() + " (shared machine)");
        setup.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (harness and services)");
        setup.put("harness JVM", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X")).toList()) + "; Vert.x WebSocket and HTTP clients on 2 event loops");
        setup.put("stack", "own stack under .data/chaos-*: Kafka " + AppInfoParser.getVersion()
                + " broker (KRaft, one node) in a child JVM ("
                + ChaosStack.BROKER_HEAP + "), PostgreSQL 17 (zonky), routing + history + 2 gateway nodes as packaged jars ("
                + ChaosStack.SERVICE_HEAP + ", default GC, profile local); media and push not started");
        setup.put("raised limit", "im.gateway.send-rate-per-second=" + ChaosStack.SEND_RATE
                + " on both gateways (default 10/s): a resend must never be refused as RATE_LIMITED");
        setup.put("partitions", "im.messages.* " + ChaosStack.MESSAGE_PARTITIONS + ", im.deliveries 16 (node slots)");
        setup.put("workload", options.describe());
        setup.put("faults", options.faults ? String.join(", ", Faults.plan(options)) : "none (--no-faults)");
        setup.put("clients", "each receiver syncs a conversation from history (GET /v1/conversations/peer/{id}/messages"
                + "?after=<last orderKey held>, through the gateway it is connected to) after every reconnect and when a "
                + "pushed prevOrderKey is newer than its last orderKey, re-reading until history reaches the gap");
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
