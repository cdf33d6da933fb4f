package im.bench.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Hits the stack while traffic flows, one fault at a time, each when a given share of the messages has been acked and
 * at least {@link #SPACING_NANOS} after the previous one came back: kill -9 routing, kill -9 history, kill -9 gateway
 * {@code gw-2} (its clients move to {@code gw-1}), then a broker restart (SIGTERM, or kill -9 with --broker-kill). Each
 * stays down for the configured downtime and is started again with its settings. Every step goes into the timeline.
 */
final class Faults implements Runnable {
    static final long SPACING_NANOS = TimeUnit.SECONDS.toNanos(15);

    /** A line of the timeline, at {@code t} on the harness clock. */
    record Event(long t, String text) {}

    /** A fault as it happens: when it hit and when the process was ready again (0: not (yet)). */
    static final class Hit {
        final String name;
        final String what;
        final long at;
        volatile long back;

        Hit(String name, String what, long at) {
            this.name = name;
            this.what = what;
            this.at = at;
        }

        String what() {
            return what;
        }

        long at() {
            return at;
        }

        long back() {
            return back;
        }
    }

    private final ChaosStack stack;
    private final Fleet fleet;
    private final ChaosOptions options;
    private final List<Event> events = new ArrayList<>();
    private final List<Hit> hits = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private volatile boolean trafficDone;
    private int done;
    private final long start;

    Faults(ChaosStack stack, Fleet fleet, ChaosOptions options, long start) {
        this.stack = stack;
        this.fleet = fleet;
        this.options = options;
        this.start = start;
    }

    static List<String> plan(ChaosOptions options) {
        return options.faultKinds.stream().map(kind -> switch (kind) {
            case "routing" -> "kill -9 routing";
            case "history" -> "kill -9 history";
            case "gateway" -> "kill -9 gateway gw-2";
            default -> options.brokerKill ? "kill -9 broker" : "restart broker (SIGTERM)";
        }).toList();
    }

    void event(String text) {
        long t = Chaos.now();
        synchronized (events) {
            events.add(new Event(t, text));
        }
        System.out.printf(Locale.ROOT, "  [%6.1fs] %s%n", (t - start) / 1e9, text);
    }

    /** Whether a fault is still to come or under way. */
    boolean pending() {
        synchronized (hits) {
            return !trafficDone && done < plan(options).size();
        }
    }

    void trafficDone() {
        trafficDone = true;
    }

    @Override
    public void run() {
        List<String> plan = plan(options);
        long lastBack = start;
        for (int i = 0; i < plan.size(); i++) {
            long wanted = (long) Math.ceil(options.faultAt[i] * options.messages);
            while (!trafficDone && (fleet.acked.sum() < wanted || Chaos.now() - lastBack < SPACING_NANOS)) {
                sleep(100);
            }
            if (trafficDone) {
                for (int j = i; j < plan.size(); j++) {
                    skipped.add(plan.get(j));
                    event("not injected (traffic ended first): " + plan.get(j));
                }
                return;
            }
            String kind = options.faultKinds.get(i);
            Hit hit = new Hit(kind, plan.get(i), Chaos.now());
            synchronized (hits) {
                hits.add(hit);
            }
            switch (kind) {
                case "routing" -> service("routing", hit);
                case "history" -> service("history", hit);
                case "gateway" -> service("gw-2", hit);
                default -> broker(hit);
            }
            synchronized (hits) {
                done++;
            }
            lastBack = hit.back() == 0 ? Chaos.now() : hit.back();
        }
    }

    private void service(String name, Hit hit) {
        int before = onNode(1);
        long at = hit.at();
        long pid = stack.kill(name);
        event(String.format(Locale.ROOT, "kill -9 %s (pid %d)%s", name, pid,
                name.startsWith("gw") ? ", it held " + before + " of the sockets" : ""));
        sleep(options.downtimeSeconds * 1000L);
        if (name.startsWith("gw")) {
            event(String.format(Locale.ROOT, "sockets on gw-2 while it is down: %d; connected in all: %d of %d", onNode(1),
                    fleet.connected.get(), fleet.sockets()));
        }
        hit.back = restart(name, at);
    }

    private long restart(String name, long at) {
        for (int attempt = 1; attempt <= 2; attempt++) {
            long t = Chaos.now();
            event("starting " + name + (attempt > 1 ? " (second try)" : ""));
            try {
                long pid = stack.restart(name);
                long back = Chaos.now();
                event(String.format(Locale.ROOT, "%s ready again (pid %d): %.1f s after its start, %.1f s after the fault",
                        name, pid, (back - t) / 1e9, (back - at) / 1e9));
                return back;
            } catch (RuntimeException e) {
                event(name + " did not come back: " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        return 0;
    }

    private void broker(Hit hit) {
        long at = hit.at();
        long pid = stack.brokerPid();
        if (options.brokerKill) {
            event(String.format(Locale.ROOT, "kill -9 broker (pid %d)", pid));
            stack.stopBroker(true);
        } else {
            event(String.format(Locale.ROOT, "SIGTERM to the broker (pid %d)", pid));
            double took = stack.stopBroker(false);
            event(String.format(Locale.ROOT, "broker stopped after %.1f s", took));
        }
        sleep(options.downtimeSeconds * 1000L);
        long back = 0;
        for (int attempt = 1; attempt <= 2 && back == 0; attempt++) {
            long t = Chaos.now();
            event("starting the broker (same ports and log dir)" + (attempt > 1 ? ", second try" : ""));
            try {
                long newPid = stack.restartBroker();
                back = Chaos.now();
                event(String.format(Locale.ROOT, "broker ready again (pid %d): %.1f s after its start, %.1f s after the "
                        + "fault", newPid, (back - t) / 1e9, (back - at) / 1e9));
            } catch (RuntimeException e) {
                event("the broker did not come back: " + e.getMessage());
            }
        }
        hit.back = back;
    }

    private int onNode(int node) {
        int n = 0;
        for (Fleet.User user : fleet.users()) {
            if (user.socket != null && user.node == node) {
                n++;
            }
        }
        return n;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    List<Hit> hits() {
        synchronized (hits) {
            return List.copyOf(hits);
        }
    }

    List<String> skipped() {
        return List.copyOf(skipped);
    }
}
