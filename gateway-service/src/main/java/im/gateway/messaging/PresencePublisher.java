package im.gateway.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;

import im.gateway.config.GatewayConfig;
import im.gateway.session.SessionRegistry;
import im.gateway.session.SessionRegistry.UserSessionsChanged;
import im.pipeline.KafkaClients;
import im.protocol.JsonCodec;
import im.protocol.Presence;
import im.protocol.Topics;

/**
 * Tells routing, through the compacted {@code im.presence} topic, which users this node holds and that the node is alive.
 * It observes the sessions' changes; the node's epoch is its start time: routing treats entries of an older epoch of the
 * same node as ghosts, and stops targeting the node once its heartbeat goes missing.
 */
@ApplicationScoped
public class PresencePublisher {
    private static final Logger LOG = Logger.getLogger(PresencePublisher.class);

    private static final int REPUBLISH_EVERY = 12;

    private final long epoch = System.currentTimeMillis();
    private long beats;

    @Inject
    SessionRegistry sessions;

    @Inject
    GatewayConfig config;

    @Inject
    KafkaClients kafka;

    public long epoch() {
        return epoch;
    }

    /** Publishes a user's sessions on this node (zero sessions is a tombstone); completes the change once Kafka has it. */
    void onChange(@Observes UserSessionsChanged change) {
        String key = Presence.userKey(change.userId(), config.nodeId());
        String value = change.sessions() == 0
                ? null
                : JsonCodec.encode(new Presence(1, Presence.KIND_USER, config.nodeId(), config.nodeSlot(), epoch,
                        change.userId(), change.sessions(), change.rooms(), System.currentTimeMillis()));
        send(key, value).whenComplete((metadata, failure) -> {
            if (failure == null) {
                change.written().complete(null);
            } else {
                change.written().completeExceptionally(failure);
            }
        });
    }

    private CompletableFuture<RecordMetadata> send(String key, String value) {
        return kafka.reliable().send(new ProducerRecord<>(Topics.PRESENCE, key,
                value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
    }

    @Scheduled(every = "${im.gateway.heartbeat-interval}", delayed = "1s")
    void heartbeat() {
        if (++beats % REPUBLISH_EVERY == 0) {
            // a presence write can fail unnoticed, and routing purges entries of nodes it lost contact with:
            // re-assert every local user now and then, so a live user is never unreachable
            sessions.republishAll();
        }
        String value = JsonCodec.encode(new Presence(1, Presence.KIND_NODE, config.nodeId(), config.nodeSlot(), epoch, null,
                null, null, System.currentTimeMillis()));
        send(Presence.nodeKey(config.nodeId()), value).exceptionally(e -> {
            LOG.warnf("heartbeat not written: %s", e.getMessage());
            return null;
        });
    }

    /** Says the node is gone (tombstone of its heartbeat) and waits briefly for the broker. */
    public void nodeDown(Duration wait) {
        try {
            send(Presence.nodeKey(config.nodeId()), null).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warnf("node-down record not written: %s", e.getMessage());
        }
    }
}
