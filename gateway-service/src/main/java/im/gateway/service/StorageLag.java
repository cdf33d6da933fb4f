package im.gateway.service;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;

import im.gateway.config.GatewayConfig;
import im.pipeline.KafkaClients;
import im.protocol.Topics;

/**
 * How far history is behind on {@code im.messages.reliable}, as the time it needs to store its backlog at the rate it is
 * storing: read every second by an Admin client (the {@code overload.storage-group}'s committed offsets against the
 * topic's end offsets) for {@link Admission}, which refuses low-priority reliable sends while it is above
 * {@code overload.storage-lag}, so a stack that delivers faster than history stores settles at what history stores
 * instead of falling further behind for as long as the load lasts.
 * <p>
 * What does not count (the lag is 0): a backlog under {@code overload.storage-min-backlog} records; a history that has
 * stored nothing for {@value #STALLED_MILLIS} ms (stopped, or waiting for PostgreSQL: refusing sends would not make it
 * store, and chat goes on while Kafka keeps the messages); a group that has committed nothing; Kafka not answering.
 * A history catching up after a restart stores far faster than messages come in, so its backlog drains in little time
 * and does not count either.
 */
@ApplicationScoped
public class StorageLag {
    private static final Logger LOG = Logger.getLogger(StorageLag.class);
    /** A history that stored nothing for this long is stopped or stuck, not slow: its backlog does not count. */
    static final long STALLED_MILLIS = 3_000;
    /** Weight of the newest reading in the storing rate. */
    private static final double ALPHA = 0.5;

    private final GatewayConfig.Overload overload;
    private final KafkaClients kafka;

    private List<TopicPartition> partitions;
    private boolean warned;

    // the readings: written by the scheduler's thread only
    private long lastAt;
    private long lastCommitted = -1;
    private long lastProgress;
    private double rate;
    /** The backlog's time to store, in seconds (0: none, or not counted). */
    private volatile double seconds;

    @Inject
    StorageLag(GatewayConfig config, KafkaClients kafka, MeterRegistry metrics) {
        this(config.overload(), kafka);
        Gauge.builder("im.gateway.storage.lag", this, StorageLag::seconds)
                .description("time history needs to store what it has not stored yet, at the rate it is storing "
                        + "(0 when it is not behind, stopped or unknown); above overload.storage-lag, low-priority "
                        + "reliable sends are refused")
                .baseUnit("seconds").register(metrics);
    }

    StorageLag(GatewayConfig.Overload overload, KafkaClients kafka) {
        this.overload = overload;
        this.kafka = kafka;
    }

    /** The backlog's time to store in seconds, as of the last reading (0 when it does not count). */
    public double seconds() {
        return seconds;
    }

    @Scheduled(every = "1s", delay = 1, delayUnit = TimeUnit.SECONDS, concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void measure() {
        if (!overload.enabled() || overload.storageLag().isZero()) {
            return;
        }
        try {
            Admin client = kafka.admin("storage-lag");
            if (partitions == null) {
                List<TopicPartitionInfo> infos = client.describeTopics(List.of(Topics.MESSAGES_RELIABLE)).allTopicNames()
                        .get(5, TimeUnit.SECONDS).get(Topics.MESSAGES_RELIABLE).partitions();
                partitions = infos.stream().map(p -> new TopicPartition(Topics.MESSAGES_RELIABLE, p.partition())).toList();
            }
            Map<TopicPartition, OffsetAndMetadata> committed = client.listConsumerGroupOffsets(overload.storageGroup())
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(partition -> latest.put(partition, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResultInfo> ends = client.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
            long done = 0;
            long backlog = 0;
            boolean any = false;
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata offset = committed.get(partition);
                ListOffsetsResultInfo end = ends.get(partition);
                if (offset != null && end != null) {
                    any = true;
                    done += offset.offset();
                    backlog += Math.max(0, end.offset() - offset.offset());
                }
            }
            observe(System.currentTimeMillis(), any ? done : -1, backlog);
            warned = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            seconds = 0; // unknown: never a reason to refuse
            if (!warned) {
                warned = true;
                LOG.warnf("history's backlog on %s not read (group %s): %s", Topics.MESSAGES_RELIABLE,
                        overload.storageGroup(), e.toString());
            }
        }
    }

    /**
     * A reading at {@code now}: the group's committed offsets summed ({@code -1}: none committed) and the records
     * behind them. Package-private for tests.
     */
    void observe(long now, long committed, long backlog) {
        if (committed < 0) {
            lastCommitted = -1;
            seconds = 0;
            return;
        }
        if (lastCommitted >= 0 && now > lastAt) {
            long stored = Math.max(0, committed - lastCommitted);
            rate = ALPHA * (stored * 1000.0 / (now - lastAt)) + (1 - ALPHA) * rate;
            if (stored > 0) {
                lastProgress = now;
            }
        } else {
            lastProgress = now; // the first reading: nothing known about progress yet
        }
        lastAt = now;
        lastCommitted = committed;
        boolean counts = backlog >= overload.storageMinBacklog() && now - lastProgress <= STALLED_MILLIS && rate > 0;
        seconds = counts ? backlog / Math.max(1.0, rate) : 0;
    }
}
