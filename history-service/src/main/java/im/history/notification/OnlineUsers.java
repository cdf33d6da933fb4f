package im.history.notification;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;

import im.history.config.HistoryConfig;
import im.pipeline.Batch;
import im.pipeline.ConsumerLoop;
import im.pipeline.KafkaClients;
import im.protocol.JsonCodec;
import im.protocol.Presence;
import im.protocol.ProtocolException;
import im.protocol.RecordRules;
import im.protocol.Topics;

/**
 * Who has an online session, folded from the compacted {@code im.presence} topic (every partition from the beginning,
 * no group; readiness waits until it is loaded), by the rules routing's presence table uses: a user is online while a
 * live gateway node holds a session of theirs, a node being live while its epoch is current and its heartbeat is no
 * older than {@code heartbeat-timeout} behind the freshest heartbeat of any node. Only what {@link Notifier} needs: no
 * rooms, no slots. Broken records are skipped here and counted (routing dead-letters them; a second dead letter of the
 * same record would only be noise).
 */
@ApplicationScoped
public class OnlineUsers {
    private record Node(long epoch, long lastSeen) {}

    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    /** userId → nodeId → the node epoch of the entry. */
    private final Map<String, Map<String, Long>> users = new ConcurrentHashMap<>();
    private volatile long latestHeartbeat;

    @Inject
    HistoryConfig config;

    @Inject
    KafkaClients kafka;

    @Inject
    MeterRegistry metrics;

    void start(@Observes StartupEvent event) {
        if (config.notifications().enabled()) {
            kafka.start(kafka.loop("presence").assign(List.of(Topics.PRESENCE), ConsumerLoop.Start.EARLIEST).catchUp()
                    .handler(this::fold));
        }
    }

    private CompletionStage<?> fold(Batch batch) {
        for (ConsumerRecord<String, byte[]> record : batch.records()) {
            try {
                Presence value = record.value() == null ? null : JsonCodec.decode(record.value(), Presence.class);
                RecordRules.checkPresence(record.key(), value);
                apply(record.key(), value);
            } catch (ProtocolException e) {
                metrics.counter("im.history.presence.skipped", "code", e.code().name()).increment();
            }
        }
        return null;
    }

    /** Applies one record of {@code im.presence}; {@code value} null is a tombstone. */
    synchronized void apply(String key, Presence value) {
        if (key.startsWith("node/")) {
            String nodeId = key.substring("node/".length());
            if (value == null) {
                nodes.remove(nodeId);
                users.values().forEach(entries -> entries.remove(nodeId));
            } else {
                seen(nodeId, value.epoch(), value.at());
            }
            return;
        }
        String rest = key.substring("user/".length());
        int slash = rest.lastIndexOf('/');
        String userId = rest.substring(0, slash);
        String nodeId = rest.substring(slash + 1);
        if (value == null || (value.sessions() != null && value.sessions() == 0)) {
            Map<String, Long> entries = users.get(userId);
            if (entries != null) {
                entries.remove(nodeId);
                if (entries.isEmpty()) {
                    users.remove(userId, entries);
                }
            }
            return;
        }
        if (seen(nodeId, value.epoch(), value.at())) {
            users.computeIfAbsent(userId, u -> new ConcurrentHashMap<>()).put(nodeId, value.epoch());
        }
    }

    /** Whether {@code userId} holds a session on a live gateway node (in the grace after a drop, too). */
    public boolean isOnline(String userId) {
        Map<String, Long> entries = users.get(userId);
        if (entries == null) {
            return false;
        }
        long timeout = config.notifications().heartbeatTimeout().toMillis();
        for (Map.Entry<String, Long> entry : entries.entrySet()) {
            Node node = nodes.get(entry.getKey());
            if (node != null && node.epoch() == entry.getValue() && latestHeartbeat - node.lastSeen() <= timeout) {
                return true;
            }
        }
        return false;
    }

    /** Records a sign of life; false for an older epoch than the node's current one (a ghost). */
    private boolean seen(String nodeId, long epoch, long at) {
        Node known = nodes.get(nodeId);
        if (known != null && epoch < known.epoch()) {
            return false;
        }
        long lastSeen = known != null && known.epoch() == epoch ? Math.max(known.lastSeen(), at) : at;
        nodes.put(nodeId, new Node(epoch, lastSeen));
        latestHeartbeat = Math.max(latestHeartbeat, lastSeen);
        return true;
    }

}
