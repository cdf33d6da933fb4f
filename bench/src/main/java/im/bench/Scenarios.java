package im.bench;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import im.protocol.JsonCodec;
import im.testkit.Tokens;

/**
 * The WebSocket scenarios: peer throughput (closed loop), latency at fixed rates (open loop), past saturation (open
 * loop, reliable and barrage mixed) and room fan-out. Every scenario uses fresh user ids, so it also works against a
 * running stack that holds other users.
 */
final class Scenarios {
    private final BenchStack stack;
    private final Options options;
    private final String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    /** Peak reliable sent→acked rate measured by {@link #peerThroughput}, used to place the overload run. */
    double peakAckedPerSecond;

    Scenarios(BenchStack stack, Options options) {
        this.stack = stack;
        this.options = options;
    }

    private Clients clients() {
        return new Clients(stack.wsHost(), stack.gatewayPort, stack.secret, 2, 1, 1);
    }

    private List<String> users(String prefix, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(prefix + run + "-" + i);
        }
        return out;
    }

    // ------------------------------------------------------------------ peer throughput

    /** How long a peer sender waits after a failed ack before its next send, at most (the SDK's first retry step). */
    static final long FAILED_ACK_BACKOFF_MILLIS = 500;

    Section peerThroughput() throws Exception {
        int pairs = options.pairs;
        int window = options.window;
        Section section = new Section("peer", "Peer throughput (reliable text, closed loop)",
                pairs + " sender/receiver pairs on one gateway, each sender keeps " + window + " sends in flight (next "
                        + (options.paceByDelivery
                                ? "send on each delivery to its receiver, or " + FAILED_ACK_BACKOFF_MILLIS / 2 + "–"
                                        + FAILED_ACK_BACKOFF_MILLIS + " ms after a failed ack, as the SDK backs off"
                                : "send on each ack: admits what the gateway writes to Kafka, ahead of routing and history")
                        + "), " + options.textSize + "-char texts, priority low; "
                        + options.warmup + " s warm-up, then " + options.duration + " s measured. Stored/s: rows added "
                        + "to history's `message` table in the same window.",
                "figure", "value", "note");
        Traffic traffic = new Traffic();
        Traffic.Kind kind = traffic.kind('T', "text");
        try (Clients clients = clients()) {
            List<String> receivers = users("pr", pairs);
            List<Clients.Conn> rx = clients.connect(receivers, traffic, 200, Duration.ofSeconds(60));
            List<Clients.Conn> tx = clients.connect(users("ps", pairs), traffic, 200, Duration.ofSeconds(60));
            Thread.sleep(1000); // presence of the receivers reaches routing
            AtomicLong seq = new AtomicLong();
            long[] stop = {Long.MAX_VALUE};
            traffic.hook = (conn, letter, success) -> {
                if (!options.paceByDelivery && Clock.now() < stop[0]) {
                    send(traffic, conn, receivers.get(conn.index), seq.incrementAndGet());
                } else if (!success && Clock.now() < stop[0]) {
                    // paced by delivery, a failed ack frees its slot (that message will never be delivered) after a
                    // backoff with equal jitter, as the SDK retries a refusal: not a burst of sends refused in a row
                    long backoff = FAILED_ACK_BACKOFF_MILLIS / 2
                            + ThreadLocalRandom.current().nextLong(FAILED_ACK_BACKOFF_MILLIS / 2 + 1);
                    clients.later(backoff, () -> {
                        if (Clock.now() < stop[0]) {
                            send(traffic, conn, receivers.get(conn.index), seq.incrementAndGet());
                        }
                    });
                }
            };
            if (options.paceByDelivery) {
                traffic.deliveryHook = (receiver, letter) -> {
                    if (Clock.now() < stop[0]) {
                        Clients.Conn sender = tx.get(receiver.index);
                        send(traffic, sender, receivers.get(sender.index), seq.incrementAndGet());
                    }
                };
            }
            long base = stack.storedMessages();
            long start = Clock.now();
            traffic.recordFrom = start + options.warmup * 1_000_000_000L;
            for (Clients.Conn conn : tx) {
                for (int i = 0; i < window; i++) {
                    send(traffic, conn, receivers.get(conn.index), seq.incrementAndGet());
                }
            }
            Thread.sleep(options.warmup * 1000L);
            // the closed loop runs by itself: the warm-up goes on until the JIT is done
            String jit = untilJitSettles(stack.cpu(), nanos -> Thread.sleep(nanos / 1_000_000));
            traffic.recordFrom = Clock.now();
            System.out.printf("peer warm-up: %.0f s (%s)%n", (Clock.now() - start) / 1e9, jit);
            long t0 = Clock.now();
            long sent0 = kind.sent.sum(), acked0 = kind.acked.sum(), delivered0 = kind.delivered.sum();
            long stored0 = stack.storedMessages();
            CpuMeter cpu = stack.cpu();
            Map<String, Double> cpu0 = cpu.sample();
            Thread.sleep(options.duration * 1000L);
            long t1 = Clock.now();
            Map<String, Double> spent = CpuMeter.between(cpu0, cpu.sample());
            long sent1 = kind.sent.sum(), acked1 = kind.acked.sum(), delivered1 = kind.delivered.sum();
            long stored1 = stack.storedMessages();
            stop[0] = t1;
            awaitDrain(() -> kind.acked.sum() + kind.failed.sum() >= kind.sent.sum()
                    && kind.delivered.sum() >= kind.acked.sum(), 15);
            double seconds = (t1 - t0) / 1e9;
            double sentRate = (sent1 - sent0) / seconds;
            double ackedRate = (acked1 - acked0) / seconds;
            double deliveredRate = (delivered1 - delivered0) / seconds;
            double storedRate = stored0 < 0 ? -1 : (stored1 - stored0) / seconds;
            long storedEnd = stack.storedMessages();
            long backlog = base < 0 ? -1 : kind.acked.sum() - (storedEnd - base);
            peakAckedPerSecond = ackedRate;
            section.row("sent/s", Section.rate(sentRate), "");
            section.row("acked/s", Section.rate(ackedRate), Section.verdict(ackedRate >= 10_000, "target ≥ 10,000"));
            section.row("delivered/s", Section.rate(deliveredRate),
                    Section.verdict(deliveredRate >= 10_000, "target ≥ 10,000"));
            // how far history is behind the acks at the window's start and end: the target wants that not growing
            long behind0 = base < 0 ? -1 : acked0 - (stored0 - base);
            long behind1 = base < 0 ? -1 : acked1 - (stored1 - base);
            section.row("stored/s (history)", storedRate < 0 ? "n/a" : Section.rate(storedRate),
                    backlog < 0
                            ? "database not reachable"
                            : Section.verdict(storedRate >= 10_000 && behind1 <= behind0,
                                    "target ≥ 10,000, history's lag not growing") + "; behind the acks by "
                                    + Section.count(behind0) + " at the window's start, " + Section.count(behind1)
                                    + " at its end, " + Section.count(backlog) + " when the run ended");
            section.row("failed acks", Section.count(kind.failed.sum()), kind.errorSummary());
            section.row("acked, not delivered by the end of the drain",
                    Section.count(Math.max(0, kind.acked.sum() - kind.delivered.sum())),
                    "after a 15 s drain");
            section.row("send→ack ms p50/p99/p99.9/max", Section.latencies(kind.ack), "closed loop: not a latency figure");
            section.row("send→deliver ms p50/p99/p99.9/max", Section.latencies(kind.deliver), "closed loop");
            section.row("sessions closed by the server", Section.count(clients.closedByServer.get()), "");
            // a message counts once the stack has done all of its work on it: stored and delivered in the window (counting
            // stored alone flattered a stack whose deliveries fell behind: their work was done after the window)
            long done = Math.min(stored0 < 0 ? acked1 - acked0 : stored1 - stored0, delivered1 - delivered0);
            cpuRows(section, spent, seconds, done, stored0 < 0 ? "acked and delivered" : "stored and delivered");
            section.json.put("pairs", pairs);
            section.json.put("window", window);
            section.json.put("pace", options.pace());
            section.json.put("sentPerSecond", sentRate);
            section.json.put("ackedPerSecond", ackedRate);
            section.json.put("deliveredPerSecond", deliveredRate);
            section.json.put("storedPerSecond", storedRate);
            section.json.put("historyBacklogAtEnd", backlog);
            section.json.put("failed", kind.failed.sum());
            section.json.put("ackLatency", Section.latencyJson(kind.ack));
            section.json.put("deliverLatency", Section.latencyJson(kind.deliver));
            clients.closeAll(rx);
            clients.closeAll(tx);
        }
        return section;
    }

    /**
     * CPU per message in each process over the measured window (µs of CPU per {@code unit} message), and the cores each
     * used; the stack's total excludes the harness.
     */
    static void cpuRows(Section section, Map<String, Double> spent, double seconds, long messages, String unit) {
        if (spent.isEmpty() || messages <= 0) {
            return;
        }
        double stackSeconds = 0;
        Map<String, Object> json = new LinkedHashMap<>();
        for (Map.Entry<String, Double> process : spent.entrySet()) {
            double perMessage = process.getValue() * 1e6 / messages;
            section.row("CPU µs per " + unit + " message: " + process.getKey(), String.format("%.1f", perMessage),
                    String.format("%.2f cores", process.getValue() / seconds));
            json.put(process.getKey(), perMessage);
            if (!process.getKey().equals("harness")) {
                stackSeconds += process.getValue();
            }
        }
        double total = stackSeconds * 1e6 / messages;
        section.row("CPU µs per " + unit + " message: whole stack", String.format("%.1f", total),
                Section.verdict(total <= 150, "target ≤ 150 (services, broker and PostgreSQL; harness apart)"));
        json.put("stack", total);
        section.json.put("cpuMicrosPerMessage", json);
    }

    /** µs of CPU per message in each process, and the stack's total (harness apart); empty for a running stack. */
    /** The send→deliver percentile against its target, or MISSED when nothing was delivered. */
    private static String verdictAt(Traffic.Kind kind, double percentile, long targetMs) {
        String name = "send→deliver p" + (percentile == 50 ? "50" : "99");
        if (kind.deliver.getTotalCount() == 0) {
            return name + ": nothing delivered within the step and the drain, MISSED (target ≤ " + targetMs + " ms)";
        }
        return name + " " + Section.ms(kind.deliver, percentile) + " ms ("
                + Section.verdict(kind.deliver.getValueAtPercentile(percentile) <= targetMs * 1_000, "target ≤ "
                        + targetMs + " ms")
                + ")";
    }

    static Map<String, Double> cpuPerMessage(Map<String, Double> spent, long messages) {
        Map<String, Double> perMessage = new LinkedHashMap<>();
        if (spent.size() <= 1 || messages <= 0) {
            return perMessage; // a running stack: only the harness is ours to read
        }
        double stack = 0;
        for (Map.Entry<String, Double> process : spent.entrySet()) {
            perMessage.put(process.getKey(), process.getValue() * 1e6 / messages);
            if (!process.getKey().equals("harness")) {
                stack += process.getValue();
            }
        }
        perMessage.put("stack", stack * 1e6 / messages);
        return perMessage;
    }

    private static String describeCpu(Map<String, Double> perMessage, Map<String, Double> spent, double seconds) {
        StringBuilder out = new StringBuilder();
        perMessage.forEach((process, micros) -> out.append(out.isEmpty() ? "" : ", ").append(process).append(' ')
                .append(String.format("%.0f", micros)).append(spent.containsKey(process)
                        ? String.format(" (%.2f cores)", spent.get(process) / seconds)
                        : ""));
        return out.toString();
    }

    private void send(Traffic traffic, Clients.Conn conn, String peer, long seq) {
        long now = Clock.now();
        traffic.sent('T');
        conn.send(Traffic.sendText('T', now, peer, "low", options.textSize, seq));
    }

    // ------------------------------------------------------------------ latency at fixed rates

    Section latency() throws Exception {
        Section section = new Section("latency", "Latency at fixed rates (reliable text, open loop)",
                options.latencyPairs + " pairs; one pacing thread sends at the target rate, round robin over the senders, "
                        + "each message at its intended time (open loop: a late sender does not slow the schedule); "
                        + "latency is measured from the intended send time, so queueing anywhere, the harness included, "
                        + "counts (no coordinated omission). Sender and receiver share one JVM clock. First "
                        + options.warmup + " s at the first rate, then on in 5 s windows until the JIT compilers of the "
                        + "stack and the harness use ≤ " + JIT_QUIET_CORES + " cores (at most " + JIT_SETTLE_MAX_SECONDS
                        + " s more), not timed and drained (a stack still compiling measures its compiler, and a cold "
                        + "stack's backlog would spill into every later step); then each rate: " + options.stepWarmup
                        + " s warm-up (not timed) + " + options.stepDuration + " s timed.",
                "rate/s", "sent/s", "acked", "failed", "delivered", "send→ack ms p50/p99/p99.9/max",
                "send→deliver ms p50/p99/p99.9/max");
        List<Map<String, Object>> steps = new ArrayList<>();
        try (Clients clients = clients()) {
            Switch listener = new Switch();
            List<String> receivers = users("lr", options.latencyPairs);
            List<Clients.Conn> rx = clients.connect(receivers, listener, 200, Duration.ofSeconds(60));
            List<Clients.Conn> tx = clients.connect(users("ls", options.latencyPairs), listener, 200, Duration.ofSeconds(60));
            Thread.sleep(1000);
            warmUp("latency", listener, options.rates[0], traffic -> latencySend(traffic, tx, receivers), 'L');
            for (int rate : options.rates) {
                Traffic traffic = new Traffic();
                Traffic.Kind kind = traffic.kind('L', "text");
                long start = Clock.now();
                traffic.ignoreBefore = start;
                traffic.recordFrom = start + options.stepWarmup * 1_000_000_000L;
                listener.current = traffic;
                long end = traffic.recordFrom + options.stepDuration * 1_000_000_000L;
                CpuMeter cpu = stack.cpu();
                Map<String, Double> cpu0 = cpu.sample();
                Hops hops0 = Hops.sample(stack);
                long sent = pace(rate, start, end, latencySend(traffic, tx, receivers));
                double seconds = (Clock.now() - start) / 1e9;
                Map<String, Double> spent = CpuMeter.between(cpu0, cpu.sample());
                Map<String, Double> hops = Hops.sample(stack).since(hops0);
                awaitDrain(() -> kind.acked.sum() + kind.failed.sum() >= kind.sent.sum()
                        && kind.delivered.sum() >= kind.acked.sum(), 10);
                section.row(Section.count(rate), Section.rate(sent / seconds), Section.count(kind.acked.sum()),
                        kind.failed.sum() == 0 ? "0" : Section.count(kind.failed.sum()) + " (" + kind.errorSummary() + ")",
                        Section.count(kind.delivered.sum()), Section.latencies(kind.ack), Section.latencies(kind.deliver));
                section.curves.put("send→deliver @ " + rate + "/s", kind.deliver);
                Map<String, Object> step = new LinkedHashMap<>();
                step.put("rate", rate);
                step.put("sentPerSecond", sent / seconds);
                step.put("sent", kind.sent.sum());
                step.put("acked", kind.acked.sum());
                step.put("failed", kind.failed.sum());
                step.put("delivered", kind.delivered.sum());
                step.put("ackLatency", Section.latencyJson(kind.ack));
                step.put("deliverLatency", Section.latencyJson(kind.deliver));
                // why the figures are what they are: CPU per message in each process, and the mean wait of each hop
                Map<String, Double> cpuPerMessage = cpuPerMessage(spent, sent);
                step.put("cpuMicrosPerMessage", cpuPerMessage);
                step.put("hopMeansMs", hops);
                if (!cpuPerMessage.isEmpty()) {
                    section.notes.add("At " + Section.count(rate) + "/s, CPU µs per sent message (step warm-up included): "
                            + describeCpu(cpuPerMessage, spent, seconds) + ".");
                }
                section.notes.add("At " + Section.count(rate) + "/s, mean per hop: " + Hops.describe(hops) + ".");
                steps.add(step);
                // the targets: p99 <= 15 ms at 2,000/s, <= 50 ms at 5,000/s; one message at a time p50 <= 3 ms
                String target = switch (rate) {
                    case 2000 -> verdictAt(kind, 99, 15);
                    case 5000 -> verdictAt(kind, 99, 50);
                    default -> rate <= 100 ? verdictAt(kind, 50, 3) + " (one message at a time)" : null;
                };
                if (target != null) {
                    section.notes.add("At " + Section.count(rate) + "/s: " + target + ".");
                    section.json.put("at" + rate, step);
                }
            }
            clients.closeAll(rx);
            clients.closeAll(tx);
        }
        section.json.put("steps", steps);
        return section;
    }

    // ------------------------------------------------------------------ past saturation

    Section overload() throws Exception {
        int rate = options.overloadRate > 0
                ? options.overloadRate
                : (int) Math.max(2000, Math.round(options.overloadFactor * Math.max(peakAckedPerSecond, 1)));
        int pairs = options.latencyPairs;
        String room = "ovl" + run;
        Section section = new Section("overload", "Past saturation (reliable high + reliable low + barrage)",
                "Open loop at " + Section.count(rate) + " reliable texts/s (" + (options.overloadRate > 0
                        ? "set by option"
                        : options.overloadFactor + " × the peak acked/s of the peer scenario") + "), alternating priority "
                        + "high and low over " + pairs + " pairs, plus " + options.overloadBarrage + " barrage/s into a "
                        + "room that all " + pairs + " receivers entered (each barrage is " + pairs + " deliveries). First "
                        + options.warmup + " s of the same high/low traffic at an eighth of the rate, then on in 5 s windows "
                        + "until the JIT settles, not timed and drained; then " + options.stepDuration + " s after "
                        + options.stepWarmup + " s warm-up, then up to 15 s to drain. "
                        + "Latency from the intended send time. Dropped = expected − delivered after the drain.",
                "class", "sent", "acked ok", "failed", "delivered", "dropped", "send→ack ms p50/p99/p99.9/max",
                "send→deliver ms p50/p99/p99.9/max");
        try (Clients clients = clients()) {
            Switch listener = new Switch();
            Traffic traffic = new Traffic();
            listener.current = traffic;
            Traffic.Kind high = traffic.kind('H', "reliable high");
            Traffic.Kind low = traffic.kind('W', "reliable low");
            Traffic.Kind barrage = traffic.kind('B', "barrage");
            Traffic.Kind enter = traffic.kind('e', "enterRoom");
            List<String> receivers = users("or", pairs);
            List<Clients.Conn> rx = clients.connect(receivers, listener, 200, Duration.ofSeconds(60));
            List<Clients.Conn> tx = clients.connect(users("os", pairs), listener, 200, Duration.ofSeconds(60));
            List<Clients.Conn> bx = clients.connect(users("ob", 1), listener, 1, Duration.ofSeconds(60));
            rx.forEach(c -> c.send(Traffic.enterRoom(room)));
            bx.forEach(c -> c.send(Traffic.enterRoom(room)));
            awaitDrain(() -> enter.acked.sum() >= rx.size() + bx.size(), 30);
            awaitRoom(room, rx.size() + bx.size());
            // run alone, the scenario would measure cold JVMs: it warms up below saturation until the JIT settles
            warmUp("overload", listener, Math.max(1_000, rate / 8), warm -> overloadSend(warm, tx, receivers), 'H', 'W');
            int closedInWarmUp = clients.closedByServer.get();
            listener.current = traffic;
            String before = stack.gatewayMetrics();
            CpuMeter cpu = stack.cpu();
            Map<String, Double> cpu0 = cpu.sample();
            long start = Clock.now();
            traffic.ignoreBefore = start;
            traffic.recordFrom = start + options.stepWarmup * 1_000_000_000L;
            long end = traffic.recordFrom + options.stepDuration * 1_000_000_000L;
            Thread barrageSender = new Thread(() -> pace(options.overloadBarrage, start, end, (i, at) -> {
                traffic.sent('B');
                bx.get(0).send(Traffic.sendBarrage('B', at, room, options.textSize));
            }), "barrage-pacer");
            barrageSender.start();
            pace(rate, start, end, overloadSend(traffic, tx, receivers));
            barrageSender.join();
            double seconds = (Clock.now() - start) / 1e9;
            Map<String, Double> spent = CpuMeter.between(cpu0, cpu.sample());
            awaitDrain(() -> high.acked.sum() + high.failed.sum() >= high.sent.sum()
                    && low.acked.sum() + low.failed.sum() >= low.sent.sum()
                    && high.delivered.sum() >= high.acked.sum() && low.delivered.sum() >= low.acked.sum()
                    && barrage.delivered.sum() >= barrage.acked.sum() * rx.size(), 15);
            List<Map<String, Object>> classes = new ArrayList<>();
            for (Traffic.Kind kind : List.of(high, low, barrage)) {
                long expected = kind == barrage ? kind.acked.sum() * rx.size() : kind.acked.sum();
                long dropped = Math.max(0, expected - kind.delivered.sum());
                section.row(kind.name, Section.count(kind.sent.sum()), Section.count(kind.acked.sum()),
                        kind.failed.sum() == 0 ? "0" : Section.count(kind.failed.sum()) + " (" + kind.errorSummary() + ")",
                        Section.count(kind.delivered.sum()), Section.count(dropped) + (expected == 0
                                ? ""
                                : String.format(" (%.1f %%)", 100.0 * dropped / expected)),
                        kind == barrage ? "-" : Section.latencies(kind.ack), Section.latencies(kind.deliver));
                section.curves.put("overload " + kind.name, kind.deliver);
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("class", kind.name);
                json.put("sent", kind.sent.sum());
                json.put("acked", kind.acked.sum());
                json.put("failed", kind.failed.sum());
                json.put("delivered", kind.delivered.sum());
                json.put("expected", expected);
                json.put("dropped", dropped);
                json.put("ackLatency", Section.latencyJson(kind.ack));
                json.put("deliverLatency", Section.latencyJson(kind.deliver));
                classes.add(json);
            }
            section.notes.add("Sessions closed by the server (slow consumer): " + clients.closedByServer.get() + " ("
                    + closedInWarmUp + " of them in the warm-up: their receivers' messages count as dropped); `closing` "
                    + "frames seen in the timed run: " + traffic.closing.sum() + ".");
            String after = stack.gatewayMetrics();
            StringBuilder shed = new StringBuilder();
            for (String name : List.of("barrage", "low", "medium", "high")) {
                String series = "im_gateway_send_shed_total{class=\"" + name + "\"";
                shed.append(shed.isEmpty() ? "" : ", ").append(name).append(' ')
                        .append(String.format("%,.0f", BenchStack.metric(after, series) - BenchStack.metric(before, series)));
            }
            section.notes.add("Sends the gateway refused for load (`im_gateway_send_shed_total`, warm-up excluded): " + shed
                    + ". Failed = refused `UNAVAILABLE` (never acked, so never lost: a client retries them).");
            section.json.put("gatewayShed", shed.toString());
            // where the 2 cores went while the load was on: a gateway short of CPU leaves sends unread in its sockets,
            // where no admission sees them
            StringBuilder cores = new StringBuilder();
            Map<String, Double> coresJson = new LinkedHashMap<>();
            spent.forEach((process, secondsOfCpu) -> {
                cores.append(cores.isEmpty() ? "" : ", ").append(process)
                        .append(String.format(" %.2f", secondsOfCpu / seconds));
                coresJson.put(process, secondsOfCpu / seconds);
            });
            section.notes.add("Cores used while the load was on (warm-up and timed run): " + cores + ".");
            section.json.put("cores", coresJson);
            section.json.put("reliableRate", rate);
            section.json.put("barrageRate", options.overloadBarrage);
            section.json.put("classes", classes);
            section.json.put("closedByServer", clients.closedByServer.get());
            clients.closeAll(rx);
            clients.closeAll(tx);
            clients.closeAll(bx);
        }
        return section;
    }

    /** The overload scenario's send: message {@code i} from sender {@code i mod n}, priority high and low in turn. */
    private Send overloadSend(Traffic traffic, List<Clients.Conn> tx, List<String> receivers) {
        return (i, at) -> {
            Clients.Conn conn = tx.get((int) (i % tx.size()));
            char letter = i % 2 == 0 ? 'H' : 'W';
            traffic.sent(letter);
            conn.send(Traffic.sendText(letter, at, receivers.get(conn.index), letter == 'H' ? "high" : "low",
                    options.textSize, i));
        };
    }

    // ------------------------------------------------------------------ room fan-out

    Section room() throws Exception {
        int members = options.roomSize;
        int rate = options.roomRate;
        int commandRate = Math.max(1, rate / 10);
        String room = "fan" + run;
        Section section = new Section("room", "Room fan-out (barrage + high-priority commands)",
                members + " members entered one room on one gateway; one sender sends " + rate + " barrage/s and "
                        + commandRate + " high-priority command/s (open loop) for " + options.stepDuration + " s after "
                        + options.stepWarmup + " s warm-up, then up to 15 s to drain. Deliveries counted at the "
                        + "members; dropped = acked × members − delivered; delivery latency from the intended send time "
                        + "(one clock). The gateway's own drop counter (`im_gateway_outbound_dropped_total` by rank) is "
                        + "shown next to it.",
                "class", "sent", "acked", "expected deliveries", "delivered", "dropped", "deliveries/s (timed window)",
                "send→deliver ms p50/p99/p99.9/max");
        Traffic traffic = new Traffic();
        Traffic.Kind barrage = traffic.kind('B', "barrage");
        Traffic.Kind command = traffic.kind('C', "command high");
        Traffic.Kind enter = traffic.kind('e', "enterRoom");
        String before = stack.gatewayMetrics();
        try (Clients clients = clients()) {
            List<Clients.Conn> mx = clients.connect(users("rm", members), traffic, 200, Duration.ofSeconds(120));
            List<Clients.Conn> sx = clients.connect(users("rs", 1), traffic, 1, Duration.ofSeconds(30));
            mx.forEach(c -> c.send(Traffic.enterRoom(room)));
            sx.forEach(c -> c.send(Traffic.enterRoom(room)));
            awaitDrain(() -> enter.acked.sum() >= mx.size() + sx.size(), 60);
            awaitRoom(room, mx.size() + sx.size());
            long start = Clock.now();
            traffic.recordFrom = start + options.stepWarmup * 1_000_000_000L;
            long end = traffic.recordFrom + options.stepDuration * 1_000_000_000L;
            Clients.Conn sender = sx.get(0);
            long[] window = new long[4];
            Thread snap = new Thread(() -> {
                Clock.parkUntil(traffic.recordFrom);
                window[0] = barrage.delivered.sum();
                window[1] = command.delivered.sum();
                Clock.parkUntil(end);
                window[2] = barrage.delivered.sum();
                window[3] = command.delivered.sum();
            }, "room-window");
            snap.start();
            int ratio = Math.max(1, rate / commandRate);
            pace(rate + commandRate, start, end, (i, at) -> {
                if (i % (ratio + 1) == ratio) {
                    traffic.sent('C');
                    sender.send(Traffic.sendCommand('C', at, room, "high"));
                } else {
                    traffic.sent('B');
                    sender.send(Traffic.sendBarrage('B', at, room, options.textSize));
                }
            });
            snap.join();
            int n = mx.size();
            awaitDrain(() -> barrage.delivered.sum() >= barrage.acked.sum() * n
                    && command.delivered.sum() >= command.acked.sum() * n, 15);
            String after = stack.gatewayMetrics();
            double seconds = options.stepDuration;
            double total = 0;
            List<Map<String, Object>> classes = new ArrayList<>();
            for (Traffic.Kind kind : List.of(barrage, command)) {
                long expected = kind.acked.sum() * n;
                long dropped = Math.max(0, expected - kind.delivered.sum());
                double perSecond = (kind == barrage ? window[2] - window[0] : window[3] - window[1]) / seconds;
                total += perSecond;
                section.row(kind.name, Section.count(kind.sent.sum()), Section.count(kind.acked.sum()),
                        Section.count(expected), Section.count(kind.delivered.sum()), Section.count(dropped)
                                + (expected == 0 ? "" : String.format(" (%.1f %%)", 100.0 * dropped / expected)),
                        Section.rate(perSecond), Section.latencies(kind.deliver));
                section.curves.put("room " + kind.name, kind.deliver);
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("class", kind.name);
                json.put("sent", kind.sent.sum());
                json.put("acked", kind.acked.sum());
                json.put("expected", expected);
                json.put("delivered", kind.delivered.sum());
                json.put("dropped", dropped);
                json.put("deliveriesPerSecond", perSecond);
                json.put("deliverLatency", Section.latencyJson(kind.deliver));
                classes.add(json);
            }
            StringBuilder gatewayDrops = new StringBuilder();
            for (int rank = 0; rank <= 3; rank++) {
                String series = "im_gateway_outbound_dropped_total{rank=\"" + rank + "\"";
                double d = BenchStack.metric(after, series) - BenchStack.metric(before, series);
                gatewayDrops.append(rank == 0 ? "" : ", ").append(new String[]{"barrage", "low", "medium", "high"}[rank])
                        .append(' ').append(String.format("%,.0f", d));
            }
            section.notes.add(String.format("Deliveries/s in the timed window, all classes: %,.0f (%s). Members: %d "
                    + "connected of %d. Gateway drop counter: %s. Sessions closed by the server: %d.", total,
                    Section.verdict(total >= 200_000, "target ≥ 200,000"), n, members, gatewayDrops,
                    clients.closedByServer.get()));
            section.json.put("members", n);
            section.json.put("rate", rate);
            section.json.put("commandRate", commandRate);
            section.json.put("deliveriesPerSecond", total);
            section.json.put("gatewayDropped", gatewayDrops.toString());
            section.json.put("classes", classes);
            section.json.put("closedByServer", clients.closedByServer.get());
            clients.closeAll(mx);
            clients.closeAll(sx);
        }
        return section;
    }

    // ------------------------------------------------------------------ helpers

    interface Send {
        void send(long i, long intended);
    }

    /** Open-loop pacing: message i is due at start + i/rate; a late thread sends what is due at once. Returns sends. */
    /**
     * Sends at {@code rate} for the warm-up time and on until the JIT settles, untimed, and waits until everything sent
     * is answered and everything acked delivered (up to a minute): the timed steps start on warm JVMs and an empty
     * pipeline.
     *
     * @param sends the scenario's send, counting into the traffic it is given
     * @param letters the kinds of traffic it sends
     */
    private void warmUp(String scenario, Switch listener, int rate, Function<Traffic, Send> sends, char... letters)
            throws InterruptedException {
        if (options.warmup <= 0) {
            return;
        }
        Traffic traffic = new Traffic();
        List<Traffic.Kind> kinds = new ArrayList<>();
        for (char letter : letters) {
            kinds.add(traffic.kind(letter, String.valueOf(letter)));
        }
        long start = Clock.now();
        traffic.ignoreBefore = start;
        traffic.recordFrom = Long.MAX_VALUE;
        listener.current = traffic;
        Send send = sends.apply(traffic);
        long[] next = {0};
        Send numbered = (i, at) -> send.send(next[0]++, at);
        pace(rate, start, start + options.warmup * 1_000_000_000L, numbered);
        String jit = untilJitSettles(stack.cpu(), nanos -> {
            long from = Clock.now();
            pace(rate, from, from + nanos, numbered);
        });
        awaitDrain(() -> kinds.stream().allMatch(kind -> kind.acked.sum() + kind.failed.sum() >= kind.sent.sum()
                && kind.delivered.sum() >= kind.acked.sum()), 60);
        System.out.printf("%s warm-up: %.0f s at %d/s (%s), %d sent, %d refused, %d delivered%n", scenario,
                (Clock.now() - start) / 1e9, rate, jit, kinds.stream().mapToLong(kind -> kind.sent.sum()).sum(),
                kinds.stream().mapToLong(kind -> kind.failed.sum()).sum(),
                kinds.stream().mapToLong(kind -> kind.delivered.sum()).sum());
    }

    /** A warm-up goes on while the JIT compilers use more than this share of one core. */
    static final double JIT_QUIET_CORES = 0.05;
    /** ...but no longer than this in all. */
    static final long JIT_SETTLE_MAX_SECONDS = 150;
    private static final long JIT_WINDOW_NANOS = 5_000_000_000L;

    /** Runs {@code nanos} of load. */
    @FunctionalInterface
    interface Load {
        void run(long nanos) throws InterruptedException;
    }

    /**
     * After the fixed warm-up: keeps the load on, in 5 s windows, until the JIT compiler threads of the stack and the
     * harness use at most {@value #JIT_QUIET_CORES} of a core in a window (or {@value #JIT_SETTLE_MAX_SECONDS} s have
     * passed): timed figures of JVMs still compiling measure the compiler (half a core of two, 15 s into a run here).
     * Returns what it saw, for the output.
     */
    static String untilJitSettles(CpuMeter cpu, Load load) throws InterruptedException {
        long start = Clock.now();
        double cores = -1;
        while (Clock.now() - start < JIT_SETTLE_MAX_SECONDS * 1_000_000_000L) {
            double before = cpu.jitSeconds();
            long t0 = Clock.now();
            load.run(JIT_WINDOW_NANOS);
            cores = (cpu.jitSeconds() - before) / ((Clock.now() - t0) / 1e9);
            if (cores <= JIT_QUIET_CORES) {
                return String.format("JIT settled after %.0f s more: compilers %.2f cores", (Clock.now() - start) / 1e9,
                        cores);
            }
        }
        return String.format("JIT still busy after %d s more: compilers %.2f cores", JIT_SETTLE_MAX_SECONDS, cores);
    }

    /** The latency scenario's send: message {@code i} from sender {@code i mod n} to that sender's receiver. */
    private Send latencySend(Traffic traffic, List<Clients.Conn> tx, List<String> receivers) {
        return (i, at) -> {
            Clients.Conn conn = tx.get((int) (i % tx.size()));
            traffic.sent('L');
            conn.send(Traffic.sendText('L', at, receivers.get(conn.index), "low", options.textSize, i));
        };
    }

    static long pace(int rate, long start, long end, Send send) {
        double interval = 1e9 / rate;
        long i = 0;
        while (true) {
            long at = start + (long) (i * interval);
            if (at >= end) {
                return i;
            }
            Clock.parkUntil(at);
            send.send(i, at);
            i++;
        }
    }

    static void awaitDrain(BooleanSupplier done, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** Waits until routing lists {@code expected} users in the room (when routing's table is reachable). */
    private void awaitRoom(String room, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        int seen = -1;
        while (System.nanoTime() < deadline) {
            try {
                JsonNode tree = JsonCodec.tree(BenchStack.HTTP.send(HttpRequest.newBuilder(URI.create(stack.routingUrl()
                        + "/v1/routing/rooms/" + room))
                        .header("Authorization", "Bearer " + Tokens.service(stack.secret, "bench"))
                        .timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                seen = 0;
                for (JsonNode users : tree) {
                    seen += users.size();
                }
                if (seen >= expected) {
                    return;
                }
            } catch (Exception e) {
                Thread.sleep(2000); // no routing table to ask: give presence a moment
                return;
            }
            Thread.sleep(200);
        }
        System.out.printf("  routing lists %d of %d room members; going on%n", seen, expected);
    }

    /** Delegates to the traffic of the current step. */
    static final class Switch implements Clients.Listener {
        volatile Traffic current = new Traffic();

        @Override
        public void onText(Clients.Conn conn, String text, long now) {
            current.onText(conn, text, now);
        }
    }
}
