package im.gateway.messaging;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.vertx.core.Vertx;

import im.gateway.config.GatewayConfig;
import im.protocol.Topics;

/**
 * The node is ready only once its {@code im.deliveries} consumer holds a position in its slot's partition. The consumer
 * starts from the partition's end; a session accepted before that position is fixed could have its first deliveries
 * written before the end was read and skip them. Load balancers and the local stack wait for readiness.
 */
@Readiness
@ApplicationScoped
public class DeliveriesReadiness implements HealthCheck {
    private static final Logger LOG = Logger.getLogger(DeliveriesReadiness.class);
    private static final String CHANNEL = "deliveries";
    private static final long RETRY_MS = 100;

    @Inject
    KafkaClientService kafka;

    @Inject
    GatewayConfig config;

    @Inject
    Vertx vertx;

    private volatile Long position;

    void start(@Observes StartupEvent event) {
        vertx.setTimer(1, id -> tryPosition());
    }

    private void tryPosition() {
        KafkaConsumer<String, String> consumer = kafka.getConsumer(CHANNEL);
        if (consumer == null) {
            vertx.setTimer(RETRY_MS, id -> tryPosition());
            return;
        }
        TopicPartition partition = new TopicPartition(Topics.DELIVERIES, config.nodeSlot());
        consumer.runOnPollingThread(c -> {
            Set<TopicPartition> assigned = c.assignment();
            // the position of an assigned partition resolves the pending seek to the end, or is the place already read to
            return assigned.contains(partition) ? c.position(partition) : null;
        }).subscribe().with(found -> {
            if (found == null) {
                vertx.setTimer(RETRY_MS, id -> tryPosition());
            } else {
                position = found;
                LOG.infof("deliveries of slot %d read from offset %d: ready", config.nodeSlot(), found);
            }
        }, failure -> {
            LOG.debugf("deliveries position not known yet: %s", failure.toString());
            vertx.setTimer(RETRY_MS, id -> tryPosition());
        });
    }

    @Override
    public HealthCheckResponse call() {
        Long at = position;
        return HealthCheckResponse.named("gateway-deliveries").status(at != null)
                .withData("partition", Topics.DELIVERIES + "-" + config.nodeSlot()).withData("position", at == null ? -1 : at)
                .build();
    }
}
