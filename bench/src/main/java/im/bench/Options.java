package im.bench;

import java.util.Arrays;

/**
 * Command-line options of {@code ./im bench <scenario|all>}; defaults keep {@code all} under ~15 minutes on 2 cores (the
 * warm-ups wait for the JIT).
 */
final class Options {
    String scenario = "all";
    String name = "smoke";
    String url;
    boolean useRunning;
    int duration = 10;
    int warmup = 15;
    int pairs = 100;
    int window = 16;
    /** peer: what frees a slot of the window: the message's delivery (true) or its ack. */
    boolean paceByDelivery = true;
    int textSize = 100;
    int latencyPairs = 50;
    int[] rates = {1000, 5000, 10000, 20000};
    int stepWarmup = 2;
    int stepDuration = 10;
    double overloadFactor = 2;
    int overloadRate;
    int overloadBarrage = 100;
    int roomSize = 2000;
    int roomRate = 100;
    int connections = 10_000;
    int kafkaRecords = 500_000;
    int kafkaE2e = 5_000;
    boolean write = true;

    static final String USAGE = """
            usage: ./im bench <scenario> [options]
              scenarios: peer | latency | overload | room | connections | kafka | all   (and: history [N])
              --use-running            drive the stack of ./im start (gateway http://localhost:8080, .data/jwt-secret)
              --url URL                gateway of a running stack (implies --use-running)
              --name NAME              results file docs/benchmarks/NAME.json|.md (default smoke)
              --no-write               print only
              --duration S             peer: measured seconds (10)        --warmup S     warm-up (15; then on until the JIT settles)
              --pairs N                peer: sender/receiver pairs (100)  --window N     peer: sends in flight per sender (16)
              --pace delivery|ack      peer: a sender's next send follows a delivery to its receiver (delivery, the
                                       default: acked = delivered, nothing piles up) or each ack (ack: admits what
                                       the gateway can write to Kafka, ahead of routing and history)
              --text-size N            characters per text (100)
              --rates R1,R2,..         latency: fixed rates, msg/s (1000,5000,10000,20000)
              --latency-pairs N        latency/overload pairs (50)
              --step-duration S        latency/overload/room timed seconds per step (10)   --step-warmup S (2)
              --overload-factor F      overload rate = F × peer peak acked/s (2)   --overload-rate R  fixed instead
              --overload-barrage R     overload: barrage/s into the receivers' room (100)
              --room-size N            room members (2000)                --room-rate R  barrage/s into the room (100)
              --connections N          idle sessions (10000; ~19000 is this machine's limit per gateway)
              --kafka-records N        ProducerPerformance records (500000)   --kafka-e2e N  EndToEndLatency messages (5000)
            """;

    static Options parse(String[] args) {
        Options o = new Options();
        if (args.length > 0 && !args[0].startsWith("--")) {
            o.scenario = args[0];
        }
        for (int i = o.scenario.equals(args.length > 0 ? args[0] : "") ? 1 : 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    System.exit(0);
                }
                case "--use-running" -> o.useRunning = true;
                case "--no-write" -> o.write = false;
                case "--url" -> {
                    o.url = args[++i];
                    o.useRunning = true;
                }
                case "--name" -> o.name = args[++i];
                case "--duration" -> o.duration = Integer.parseInt(args[++i]);
                case "--warmup" -> o.warmup = Integer.parseInt(args[++i]);
                case "--pairs" -> o.pairs = Integer.parseInt(args[++i]);
                case "--window" -> o.window = Integer.parseInt(args[++i]);
                case "--pace" -> o.paceByDelivery = switch (args[++i]) {
                    case "delivery" -> true;
                    case "ack" -> false;
                    default -> throw new IllegalArgumentException("--pace takes delivery or ack, not " + args[i]);
                };
                case "--text-size" -> o.textSize = Integer.parseInt(args[++i]);
                case "--rates" -> o.rates = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--latency-pairs" -> o.latencyPairs = Integer.parseInt(args[++i]);
                case "--step-duration" -> o.stepDuration = Integer.parseInt(args[++i]);
                case "--step-warmup" -> o.stepWarmup = Integer.parseInt(args[++i]);
                case "--overload-factor" -> o.overloadFactor = Double.parseDouble(args[++i]);
                case "--overload-rate" -> o.overloadRate = Integer.parseInt(args[++i]);
                case "--overload-barrage" -> o.overloadBarrage = Integer.parseInt(args[++i]);
                case "--room-size" -> o.roomSize = Integer.parseInt(args[++i]);
                case "--room-rate" -> o.roomRate = Integer.parseInt(args[++i]);
                case "--connections" -> o.connections = Integer.parseInt(args[++i]);
                case "--kafka-records" -> o.kafkaRecords = Integer.parseInt(args[++i]);
                case "--kafka-e2e" -> o.kafkaE2e = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + arg + "\n" + USAGE);
            }
        }
        if (o.url == null) {
            o.url = "http://localhost:8080";
        }
        return o;
    }

    /** The peer scenario's pacing as {@code --pace} names it. */
    String pace() {
        return paceByDelivery ? "delivery" : "ack";
    }

    String describe() {
        return String.format(
                "peer %d pairs × window %d paced by %s, %d s (+%d s warm-up); latency rates %s with %d pairs, %d s "
                        + "(+%d s) each; overload %s; room %d members at %d barrage/s; %d idle sessions; text %d chars; Kafka "
                        + "tools %d records / %d round trips",
                pairs, window, pace(), duration, warmup, Arrays.toString(rates),
                latencyPairs, stepDuration, stepWarmup, overloadRate > 0
                        ? overloadRate + "/s"
                        : overloadFactor
                                + " × peak",
                roomSize, roomRate, connections, textSize, kafkaRecords, kafkaE2e);
    }
}
