package im.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * CPU time of the stack's processes from {@code /proc/<pid>/stat} (user + system, all threads; PostgreSQL as the postmaster
 * and every backend it forked): what a figure per message costs in each process, the broker and the database included.
 */
final class CpuMeter {
    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private final Map<String, LongSupplier> processes = new LinkedHashMap<>();
    private final List<Long> jvms = new ArrayList<>();

    /** A process by its pid (its own threads). */
    CpuMeter add(String name, long pid) {
        if (pid > 0) {
            processes.put(name, () -> ticks(pid));
        }
        return this;
    }

    /** A JVM whose JIT compiler threads {@link #jitSeconds()} counts. */
    CpuMeter jvm(long pid) {
        if (pid > 0) {
            jvms.add(pid);
        }
        return this;
    }

    /**
     * CPU seconds the JIT compiler threads of the {@linkplain #jvm JVMs} have used so far: a warm-up is over when they
     * go quiet, not after a fixed time (on two busy cores C2 may still use half a core 15 s into a run).
     */
    double jitSeconds() {
        long ticks = 0;
        for (long pid : jvms) {
            try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    try {
                        String line = Files.readString(task.resolve("stat"));
                        int close = line.lastIndexOf(')');
                        String name = line.substring(line.indexOf('(') + 1, close);
                        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                            String[] rest = line.substring(close + 2).split(" ");
                            ticks += Long.parseLong(rest[11]) + Long.parseLong(rest[12]);
                        }
                    } catch (IOException | RuntimeException e) {
                        // a thread that ended meanwhile
                    }
                }
            } catch (IOException e) {
                // a process that is gone
            }
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** A process and every process it started (PostgreSQL's backends). */
    CpuMeter addTree(String name, long pid) {
        if (pid > 0) {
            processes.put(name, () -> treeTicks(pid));
        }
        return this;
    }

    /** CPU seconds of each process so far. */
    Map<String, Double> sample() {
        Map<String, Double> seconds = new LinkedHashMap<>();
        processes.forEach((name, ticks) -> seconds.put(name, ticks.getAsLong() / TICKS_PER_SECOND));
        return seconds;
    }

    /** CPU seconds spent by each process between two samples. */
    static Map<String, Double> between(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> spent = new LinkedHashMap<>();
        after.forEach((name, seconds) -> spent.put(name, seconds - before.getOrDefault(name, 0.0)));
        return spent;
    }

    private static long ticks(long pid) {
        String[] fields = stat(pid);
        return fields == null ? 0 : Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
    }

    private static long treeTicks(long root) {
        long total = 0;
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                String name = dir.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                String[] fields = stat(pid);
                if (fields != null && (pid == root || Long.parseLong(fields[3]) == root)) {
                    total += Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
                }
            }
        } catch (IOException e) {
            return total;
        }
        return total;
    }

    /** The fields of /proc/pid/stat after the command name (which may hold spaces), numbered as in proc(5) from 0. */
    private static String[] stat(long pid) {
        try {
            String line = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            int close = line.lastIndexOf(')');
            String[] rest = line.substring(close + 2).split(" ");
            String[] fields = new String[rest.length + 2];
            fields[0] = String.valueOf(pid);
            fields[1] = line.substring(line.indexOf('(') + 1, close);
            System.arraycopy(rest, 0, fields, 2, rest.length);
            return fields;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
