package im.bench.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import com.fasterxml.jackson.databind.ObjectMapper;

import im.protocol.Topics;

/**
 * Samples the run every 250 ms (the clients' counters) and every second the lag of history's and routing's consumer
 * groups on {@code im.messages.reliable} (Kafka AdminClient: end offsets minus committed offsets; -1 while the broker does
 * not answer). The samples give the fault recovery times; a progress line is printed every 5 s.
 */
final class Sampler implements AutoCloseable {
    static final long TICK = 250_000_000L;

    /** One sample; lags are -1 when unknown. */
    record Sample(long t, long firstSends, long acked, long pushed, long synced, long writes, int connected,
            long historyLag, long routingLag, int liveNodes, long routed, long deliveries) {}

    /** Routing's heartbeat timeout (its default): a node heard from longer ago is not targeted. */
    static final long NODE_TIMEOUT_MS = 15_000;

    private final Fleet fleet;
    private final Admin admin;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long historyLag = -1;
    private volatile long routingLag = -1;
    private volatile int liveNodes = -1;
    /** Routing's reliable records routed and deliveries written, summed over its restarts (its counters start at 0). */
    private volatile long routed;
    private volatile long deliveries;
    private double lastRouted;
    private double lastDeliveries;
    private final Thread probe;
    private final String routingUrl;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final long start;

    Sampler(Fleet fleet, String bootstrap, String routingUrl, int partitionCount, long start) {
        this.fleet = fleet;
        this.routingUrl = routingUrl;
        this.start = start;
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        config.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 200);
        this.admin = Admin.create(config);
        for (int p = 0; p < partitionCount; p++) {
            partitions.add(new TopicPartition(Topics.MESSAGES_RELIABLE, p));
        }
        this.thread = new Thread(this::loop, "chaos-sampler");
        thread.setDaemon(true);
        thread.start();
        this.probe = new Thread(this::probeLoop, "chaos-probe");
        probe.setDaemon(true);
        probe.start();
    }

    private void loop() {
        long tick = 0;
        long next = Chaos.now();
        while (running) {
            Sample sample = new Sample(Chaos.now(), fleet.firstSends.sum(), fleet.acked.sum(), fleet.pushedMessages.sum(),
                    fleet.syncedNew.sum(), fleet.writes.sum(), fleet.connected.get(), historyLag, routingLag, liveNodes,
                    routed, deliveries);
            synchronized (samples) {
                samples.add(sample);
            }
            if (tick % 20 == 0) {
                print(sample);
            }
            tick++;
            next += TICK;
            long wait = next - Chaos.now();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            } else {
                next = Chaos.now();
            }
        }
    }

    /** Once a second, apart from the counters so that a slow answer never delays a sample: lags and routing's view. */
    private void probeLoop() {
        while (running) {
            long t = Chaos.now();
            lags();
            liveNodes();
            routingCounters();
            long wait = t + 1_000_000_000L - Chaos.now();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Routing's {@code im_routing_routed_total{class="RELIABLE"}} and {@code im_routing_deliveries_total}. */
    private void routingCounters() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(routingUrl + "/q/metrics"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return;
            }
            double r = 0;
            double d = 0;
            for (String line : response.body().split("\n")) {
                if (line.startsWith("im_routing_routed_total{") && line.contains("class=\"RELIABLE\"")) {
                    r += value(line);
                } else if (line.startsWith("im_routing_deliveries_total")) {
                    d += value(line);
                }
            }
            // a restarted routing counts from 0 again
            routed += (long) (r >= lastRouted ? r - lastRouted : r);
            deliveries += (long) (d >= lastDeliveries ? d - lastDeliveries : d);
            lastRouted = r;
            lastDeliveries = d;
        } catch (Exception e) {
            // not answering: the next probe catches up
        }
    }

    private static double value(String line) {
        try {
            return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void print(Sample s) {
        System.out.printf(Locale.ROOT, "  t=%5.0fs sent %,d acked %,d pushed %,d synced %,d resends %,d sockets %,d/%,d "
                + "lag history %s routing %s syncing %d%n", (s.t() - start) / 1e9, s.firstSends(), s.acked(), s.pushed(),
                s.synced(), fleet.resends.sum(), s.connected(), fleet.sockets(), lag(s.historyLag()), lag(s.routingLag()),
                fleet.syncing.get());
    }

    private static String lag(long lag) {
        return lag < 0 ? "?" : String.format(Locale.ROOT, "%,d", lag);
    }

    /**
     * How many gateway nodes routing targets now ({@code GET /v1/routing/nodes}: heartbeat within its timeout, judged by
     * the heartbeat's own timestamp as routing does); -1 while routing does not answer.
     */
    private void liveNodes() {
        try {
            var response = http.send(HttpRequest.newBuilder(URI.create(routingUrl
                    + "/v1/routing/nodes")).header("Authorization", fleet.serviceAuthorization)
                    .timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                liveNodes = -1;
                return;
            }
            long now = System.currentTimeMillis();
            int live = 0;
            for (var node : json.readTree(response.body())) {
                if (now - node.path("lastSeen").asLong(0) <= NODE_TIMEOUT_MS) {
                    live++;
                }
            }
            liveNodes = live;
        } catch (Exception e) {
            liveNodes = -1;
        }
    }

    private void lags() {
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(3, TimeUnit.SECONDS);
            historyLag = lag("history", ends);
            routingLag = lag("routing", ends);
        } catch (Exception e) {
            historyLag = -1;
            routingLag = -1;
        }
    }

    private long lag(String group, Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(3, TimeUnit.SECONDS);
        long lag = 0;
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata at = committed.get(partition);
            lag += ends.get(partition).offset() - (at == null ? 0 : at.offset());
        }
        return lag;
    }

    long historyLag() {
        return historyLag;
    }

    long routingLag() {
        return routingLag;
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        probe.interrupt();
        try {
            thread.join(5_000);
            probe.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(3));
    }
}
