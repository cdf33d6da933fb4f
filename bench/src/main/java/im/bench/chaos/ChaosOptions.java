package im.bench.chaos;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Command-line options of {@code ./im chaos}; the defaults are the run (≈10 minutes on 2 cores). */
final class ChaosOptions {
    int messages = 100_000;
    int conversations = 1_000;
    /** Senders; conversation c is sent by sender c mod senders, so a sender with k conversations has k in flight. */
    int senders;
    /** Messages per second the pacer aims at (first sends; 0 = as fast as acks come back). */
    int rate = 400;
    boolean faults = true;
    boolean brokerKill;
    String name = "smoke";
    boolean write = true;
    int textSize = 100;
    /** A send not acked within this is sent again with the same clientMsgId. */
    int ackTimeoutSeconds = 15;
    /** Seconds a killed service or the broker stays down before it is started again. */
    int downtimeSeconds = 5;
    /** The faults, in order: routing, history, gateway, broker. */
    List<String> faultKinds = List.of("routing", "history", "gateway", "broker");
    /** Fault triggers: fractions of the messages acked, one per fault (default: evenly from 0.15 to 0.75). */
    double[] faultAt;
    /** The sending phase ends at this deadline even when not every message went out. */
    int trafficDeadlineSeconds = 720;
    /** The drain (acks, history's and routing's lag, syncs) ends at this deadline whatever is left. */
    int drainDeadlineSeconds = 180;
    /** A sync that cannot reach what its gap asks for gives up after this. */
    int syncDeadlineSeconds = 120;

    static final String USAGE = """
            usage: ./im chaos [options]
              --messages N             reliable messages to send (100000)
              --conversations N        peer conversations, one receiver each (1000)
              --senders N              senders; conversation c is sent by sender c mod N (default: = conversations)
              --rate R                 first sends per second the pacer aims at, 0 = as fast as acks allow (400);
                                       while faults are still to come, messages past 90 % go out at a tenth
                                       of it, past 97 % at a hundredth
              --no-faults              no faults: the control run (every figure should be 0)
              --broker-kill            kill -9 the broker instead of stopping it with SIGTERM
              --downtime S             seconds a killed process stays down before it is restarted (5)
              --faults K1,K2,..        which faults, in this order: routing, history, gateway, broker (all four)
              --fault-at F1,F2,..      fractions of the messages acked at which each fault hits, at least 15 s after
                                       the previous one is back (0.15,0.35,0.55,0.75)
              --ack-timeout S          resend (same clientMsgId) when no ack came within S seconds (15)
              --text-size N            characters per text (100)
              --traffic-deadline S     stop sending new messages after S seconds (720)
              --drain-deadline S       give up waiting for acks, lag and syncs after S seconds (180)
              --sync-deadline S        a receiver gives up filling one gap after S seconds (120)
              --name NAME              results: row NAME in docs/reliability.md, docs/reliability/NAME.md|.json (smoke)
              --no-write               print only
              --use-existing-build     (./im) do not rebuild the services even if their sources are newer
            """;

    static ChaosOptions parse(String[] args) {
        ChaosOptions o = new ChaosOptions();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    System.exit(0);
                }
                case "--messages" -> o.messages = Integer.parseInt(args[++i]);
                case "--conversations" -> o.conversations = Integer.parseInt(args[++i]);
                case "--senders" -> o.senders = Integer.parseInt(args[++i]);
                case "--rate" -> o.rate = Integer.parseInt(args[++i]);
                case "--no-faults" -> o.faults = false;
                case "--broker-kill" -> o.brokerKill = true;
                case "--downtime" -> o.downtimeSeconds = Integer.parseInt(args[++i]);
                case "--fault-at" -> o.faultAt = Arrays.stream(args[++i].split(","))
                        .mapToDouble(Double::parseDouble).toArray();
                case "--faults" -> o.faultKinds = List.of(args[++i].split(","));
                case "--ack-timeout" -> o.ackTimeoutSeconds = Integer.parseInt(args[++i]);
                case "--text-size" -> o.textSize = Integer.parseInt(args[++i]);
                case "--traffic-deadline" -> o.trafficDeadlineSeconds = Integer.parseInt(args[++i]);
                case "--drain-deadline" -> o.drainDeadlineSeconds = Integer.parseInt(args[++i]);
                case "--sync-deadline" -> o.syncDeadlineSeconds = Integer.parseInt(args[++i]);
                case "--name" -> o.name = args[++i];
                case "--no-write" -> o.write = false;
                case "--use-existing-build" -> {
                    // handled by ./im (no rebuild); accepted here so the arguments pass through unchanged
                }
                default -> throw new IllegalArgumentException("unknown option " + arg + "\n" + USAGE);
            }
        }
        if (o.senders <= 0 || o.senders > o.conversations) {
            o.senders = o.conversations;
        }
        for (String kind : o.faultKinds) {
            if (!List.of("routing", "history", "gateway", "broker").contains(kind)) {
                throw new IllegalArgumentException("--faults: routing, history, gateway, broker, not " + kind);
            }
        }
        int n = o.faultKinds.size();
        if (o.faultAt == null) {
            o.faultAt = new double[n];
            for (int f = 0; f < n; f++) {
                o.faultAt[f] = n == 1 ? 0.3 : 0.15 + 0.6 * f / (n - 1);
            }
        } else if (o.faultAt.length != n) {
            throw new IllegalArgumentException("--fault-at needs one fraction per fault (" + n + ")");
        }
        if (o.messages < 1 || o.conversations < 1) {
            throw new IllegalArgumentException("--messages and --conversations must be positive");
        }
        if (!o.name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("--name: letters, digits, '.', '_' and '-' only");
        }
        return o;
    }

    String describe() {
        return String.format(Locale.ROOT, "%,d messages over %,d peer conversations, %,d senders / %,d receivers (%,d "
                + "sockets), pacer %s, %d-char texts, resend after %d s without ack, faults %s%s",
                messages, conversations, senders, conversations, senders + conversations,
                rate > 0 ? String.format(Locale.ROOT, "%,d msg/s", rate) : "unpaced (closed loop)", textSize,
                ackTimeoutSeconds, faults ? "on" : "off (--no-faults)",
                faults
                        ? String.format(Locale.ROOT, " (at %s %% acked, %d s down each, broker %s)",
                                Arrays.stream(faultAt).mapToObj(f -> String.format(Locale.ROOT, "%.0f", f * 100))
                                        .collect(Collectors.joining("/")),
                                downtimeSeconds, brokerKill ? "kill -9" : "SIGTERM")
                        : "");
    }
}
