package im.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a message's time goes between send and delivery, from the services' own pipeline metrics
 * ({@code im_pipeline_record_age_seconds}: a record's producer timestamp to its hand-over to a consumer loop;
 * {@code im_pipeline_batch_time_seconds}: a poll's hand-over until its writes are acknowledged) and the gateway producer's
 * Kafka metrics: sampled before and after a step, the means over the step.
 */
final class Hops {
    /** The hops, in the order a message takes them: name → (service, Prometheus series prefix without _sum/_count). */
    private static final Map<String, String[]> HOPS = new LinkedHashMap<>();

    static {
        HOPS.put("gateway's produce → routing's hand-over", new String[]{"routing",
                "im_pipeline_record_age_seconds_%s{loop=\"reliable"});
        HOPS.put("routing's poll → its deliveries acked", new String[]{"routing",
                "im_pipeline_batch_time_seconds_%s{loop=\"reliable"});
        HOPS.put("routing's produce → gateway's hand-over", new String[]{"gateway",
                "im_pipeline_record_age_seconds_%s{loop=\"deliveries\""});
        HOPS.put("gateway's poll → written to the sockets", new String[]{"gateway",
                "im_pipeline_batch_time_seconds_%s{loop=\"deliveries\""});
    }

    private final Map<String, double[]> sums = new LinkedHashMap<>();
    private final double gatewayProduceMs;

    private Hops(BenchStack stack) {
        String gateway = stack.gatewayMetrics();
        String routing = stack.routingMetrics();
        HOPS.forEach((name, where) -> {
            String metrics = where[0].equals("gateway") ? gateway : routing;
            sums.put(name, new double[]{BenchStack.metric(metrics, String.format(where[1], "sum")),
                    BenchStack.metric(metrics, String.format(where[1], "count"))});
        });
        // the producer's own averages over its last window: time in its buffer plus the produce request's round trip
        gatewayProduceMs = BenchStack.metric(gateway,
                "kafka_producer_record_queue_time_avg{client_id=\"gateway-service-messages\"")
                + BenchStack.metric(gateway, "kafka_producer_request_latency_avg{client_id=\"gateway-service-messages\"");
    }

    static Hops sample(BenchStack stack) {
        return new Hops(stack);
    }

    /** The mean of each hop between {@code before} and this sample, in ms ({@code -1}: no record took it). */
    Map<String, Double> since(Hops before) {
        Map<String, Double> means = new LinkedHashMap<>();
        means.put("gateway's buffer + produce round trip (producer averages)", gatewayProduceMs);
        sums.forEach((name, now) -> {
            double[] then = before.sums.get(name);
            double count = now[1] - then[1];
            means.put(name, count <= 0 ? -1 : (now[0] - then[0]) * 1000 / count);
        });
        return means;
    }

    /** One line for a section's notes. */
    static String describe(Map<String, Double> means) {
        StringBuilder out = new StringBuilder();
        means.forEach((name, ms) -> out.append(out.isEmpty() ? "" : "; ").append(name).append(' ')
                .append(ms < 0 ? "n/a" : String.format("%.1f ms", ms)));
        return out.toString();
    }
}
