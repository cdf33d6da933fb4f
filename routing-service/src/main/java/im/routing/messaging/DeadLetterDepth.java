package im.routing.messaging;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

import im.pipeline.KafkaClients;
import im.protocol.Topics;

/**
 * {@code im.dlq.records}: how many dead letters {@code im.dlq} holds (its end offsets minus its start offsets, over
 * every partition), read every 30 s
 * ({@code im.routing.dlq-depth-every}) by an Admin client built from the service's Kafka configuration (security
 * settings included). Dead letters wait there for an operator (docs/operations.md); a number that grows is a producer writing
 * junk, or a bug. -1 until the first reading, and when Kafka cannot be asked.
 */
@ApplicationScoped
public class DeadLetterDepth {
    private static final Logger LOG = Logger.getLogger(DeadLetterDepth.class);

    @Inject
    KafkaClients kafka;

    @Inject
    MeterRegistry metrics;

    private final AtomicLong records = new AtomicLong(-1);
    private volatile boolean warned;

    void register(@Observes StartupEvent event) {
        Gauge.builder("im.dlq.records", records, AtomicLong::get).description("dead letters held in im.dlq")
                .register(metrics);
    }

    @Scheduled(every = "${im.routing.dlq-depth-every}", delay = 1, delayUnit = TimeUnit.SECONDS, concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void measure() {
        try {
            Admin client = kafka.admin("dlq-depth");
            List<TopicPartitionInfo> partitions = client.describeTopics(List.of(Topics.DLQ)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(Topics.DLQ).partitions();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicPartitionInfo partition : partitions) {
                TopicPartition tp = new TopicPartition(Topics.DLQ, partition.partition());
                earliest.put(tp, OffsetSpec.earliest());
                latest.put(tp, OffsetSpec.latest());
            }
            long held = sum(client.listOffsets(latest).all().get(10, TimeUnit.SECONDS))
                    - sum(client.listOffsets(earliest).all().get(10, TimeUnit.SECONDS));
            records.set(held);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // said once when counting stops working, not every 30 s while it does not
            if (records.getAndSet(-1) != -1 || !warned) {
                warned = true;
                LOG.warnf("dead letters in %s not counted: %s", Topics.DLQ, e.toString());
            }
        }
    }

    private static long sum(Map<TopicPartition, ListOffsetsResultInfo> offsets) {
        return offsets.values().stream().mapToLong(ListOffsetsResultInfo::offset).sum();
    }
}
