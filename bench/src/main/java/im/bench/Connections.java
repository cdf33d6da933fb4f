package im.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Idle sessions on one gateway: the gateway's heap after a forced GC ({@code jcmd GC.run}, then its
 * {@code jvm_memory_used_bytes{area="heap"}}) and RSS ({@code /proc/<pid>/status}) with 0, N/2 and N sessions open; per
 * session from the least-squares slope. The sessions live in child processes of at most {@link #PER_PROCESS} each
 * because a process may hold only 20,000 open files on this machine; each child binds its own 127.0.0.x addresses.
 */
final class Connections {
    static final int PER_PROCESS = 9_000;

    private Connections() {
    }

    static Section run(BenchStack stack, Options options) throws Exception {
        int total = options.connections;
        long pid = stack.gatewayPid();
        Section section = new Section("connections", "Idle sessions on one gateway",
                "Up to " + Section.count(total) + " authenticated WebSocket sessions (token checked at the upgrade, "
                        + "presence published), held idle by client processes of ≤ " + Section.count(PER_PROCESS)
                        + " sessions each, spread over source addresses 127.0.0.x. At 0, N/2 and N sessions: `jcmd "
                        + "<gateway> GC.run`, then heap used (Micrometer `jvm_memory_used_bytes{area=\"heap\"}`) and RSS "
                        + "(`/proc/<pid>/status`). Per session = slope of a least-squares line through the points.",
                "sessions open", "heap used MB (after GC)", "RSS MB", "note");
        List<double[]> points = new ArrayList<>();
        List<Process> holders = new ArrayList<>();
        String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        int open = 0;
        int failed = 0;
        try {
            points.add(measure(stack, pid, open));
            section.row(0, mb(points.get(0)[1]), mb(points.get(0)[2]), "baseline");
            int[] steps = total <= 1 ? new int[]{total} : new int[]{total / 2, total - total / 2};
            int address = 10;
            for (int step : steps) {
                int left = step;
                while (left > 0) {
                    int n = Math.min(left, PER_PROCESS);
                    Process holder = startHolder(stack, "cx" + run + "-" + holders.size(), n, address);
                    address += 2;
                    holders.add(holder);
                    int[] result = awaitReady(holder);
                    open += result[0];
                    failed += result[1];
                    left -= n;
                }
                Thread.sleep(2000); // let presence writes and handshake garbage settle
                double[] point = measure(stack, pid, open);
                points.add(point);
                section.row(Section.count(open), mb(point[1]), mb(point[2]), failed == 0 ? "" : failed + " failed to open");
            }
        } finally {
            for (Process holder : holders) {
                holder.getOutputStream().close();
            }
            for (Process holder : holders) {
                if (!holder.waitFor(30, TimeUnit.SECONDS)) {
                    holder.destroyForcibly();
                }
            }
        }
        double heapSlope = slope(points, 1);
        double rssSlope = slope(points, 2);
        String limits = pid > 0 ? openFilesLimit(pid) : "unknown";
        section.notes.add(String.format("Per session: heap %.1f KB (%s), RSS %.1f KB. Sessions held: %,d of %,d asked "
                + "(%s); the target of 50,000 sessions on one gateway cannot be reached on this machine: the per-process "
                + "open-files limit is a hard 20,000 (gateway's limit: %s), so one gateway process holds at most ~19,000 "
                + "sockets here.", heapSlope / 1024, Section.verdict(heapSlope / 1024 <= 20, "target ≤ 20 KB"),
                rssSlope / 1024, open, total, failed == 0 ? "none failed" : failed + " failed", limits));
        section.json.put("asked", total);
        section.json.put("open", open);
        section.json.put("failed", failed);
        section.json.put("heapBytesPerSession", heapSlope);
        section.json.put("rssBytesPerSession", rssSlope);
        section.json.put("gatewayOpenFilesLimit", limits);
        List<Map<String, Object>> raw = new ArrayList<>();
        for (double[] p : points) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sessions", (long) p[0]);
            m.put("heapBytes", (long) p[1]);
            m.put("rssBytes", (long) p[2]);
            raw.add(m);
        }
        section.json.put("points", raw);
        return section;
    }

    private static Process startHolder(BenchStack stack, String prefix, int n, int address) throws IOException {
        List<String> command = List.of(BenchStack.java(), "-Xmx768m", "-Xss256k", "-cp",
                System.getProperty("java.class.path"), IdleSessions.class.getName(), stack.wsHost(),
                String.valueOf(stack.gatewayPort), stack.secret, prefix, String.valueOf(n), String.valueOf(address));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static int[] awaitReady(Process holder) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        String line;
        List<String> lines = new ArrayList<>();
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY")) {
                String[] parts = line.split(" ");
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // holder output after READY is not needed
                        }
                    } catch (IOException e) {
                        // gone
                    }
                }, "holder-out");
                drain.setDaemon(true);
                drain.start();
                return new int[]{Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
            }
            lines.add(line);
        }
        throw new IllegalStateException("session holder died:\n" + String.join("\n", lines));
    }

    /** {sessions, heap bytes after a forced GC, RSS bytes}. */
    private static double[] measure(BenchStack stack, long pid, int sessions) throws Exception {
        if (pid > 0) {
            Process gc = new ProcessBuilder("jcmd", String.valueOf(pid), "GC.run").redirectErrorStream(true).start();
            gc.getInputStream().readAllBytes();
            gc.waitFor(60, TimeUnit.SECONDS);
        }
        double heap = BenchStack.metric(stack.gatewayMetrics(), "jvm_memory_used_bytes{area=\"heap\"");
        double rss = pid > 0 ? rss(pid) : 0;
        return new double[]{sessions, heap, rss};
    }

    static double rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static String openFilesLimit(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] parts = line.trim().split("\\s+");
                    return "soft " + parts[3] + ", hard " + parts[4];
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }

    private static double slope(List<double[]> points, int y) {
        double n = points.size(), sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (double[] p : points) {
            sx += p[0];
            sy += p[y];
            sxx += p[0] * p[0];
            sxy += p[0] * p[y];
        }
        double d = n * sxx - sx * sx;
        return d == 0 ? 0 : (n * sxy - sx * sy) / d;
    }

    private static String mb(double bytes) {
        return String.format("%.1f", bytes / 1024 / 1024);
    }
}
