package im.routing.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

import im.protocol.Topics;

/**
 * Holds message routing back until the presence and membership tables have read their topics up to where they ended
 * when this instance started: routing earlier would find nobody online and silently drop online deliveries. Readiness
 * stays DOWN until then.
 */
@ApplicationScoped
public class TableCatchUp {
    private static final Logger LOG = Logger.getLogger(TableCatchUp.class);
    private static final Duration GIVE_UP = Duration.ofSeconds(60);

    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private final Map<TopicPartition, Long> remaining = new ConcurrentHashMap<>();

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    void start(@Observes StartupEvent event) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            List<TopicPartition> partitions = admin.describeTopics(List.of(Topics.PRESENCE, Topics.MEMBERSHIP))
                    .allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition()))).toList();
            admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all().get(30, TimeUnit.SECONDS).forEach((partition, info) -> {
                        if (info.offset() > 0) {
                            remaining.put(partition, info.offset() - 1);
                        }
                    });
        } catch (Exception e) {
            LOG.warnf("cannot read the table topics' end offsets (%s); routing starts without waiting", e.getMessage());
            remaining.clear();
        }
        LOG.infof("waiting for %d table partitions to load before routing", remaining.size());
        check();
        caughtUp.orTimeout(GIVE_UP.toSeconds(), TimeUnit.SECONDS).exceptionally(e -> {
            LOG.warnf("tables not loaded after %s (%s); routing starts anyway", GIVE_UP, remaining);
            remaining.clear();
            caughtUp.complete(null);
            return null;
        });
    }

    /** Called for every table record read. */
    public void seen(String topic, int partition, long offset) {
        if (caughtUp.isDone()) {
            return;
        }
        TopicPartition key = new TopicPartition(topic, partition);
        remaining.computeIfPresent(key, (k, last) -> offset >= last ? null : last);
        check();
    }

    public boolean isCaughtUp() {
        return caughtUp.isDone();
    }

    public CompletableFuture<Void> caughtUp() {
        return caughtUp;
    }

    private void check() {
        if (remaining.isEmpty() && caughtUp.complete(null)) {
            LOG.info("presence and membership tables loaded: routing");
        }
    }
}
