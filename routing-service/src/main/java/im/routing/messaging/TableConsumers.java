package im.routing.messaging;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

import im.pipeline.ConsumerLoop;
import im.pipeline.KafkaClients;
import im.pipeline.TableFold;
import im.protocol.Membership;
import im.protocol.MembershipView;
import im.protocol.Presence;
import im.protocol.RecordRules;
import im.protocol.Topics;
import im.routing.config.RoutingConfig;
import im.routing.presence.PresenceTable;

/**
 * Folds the compacted {@code im.presence} and {@code im.membership} topics into this instance's tables. Every routing
 * instance reads both topics whole (every partition, from the beginning, no group), so any instance can route any
 * conversation; message routing waits until both have read what the topics held at start ({@link #loaded()}): routing
 * earlier would find nobody online. Broken records are dead-lettered and change nothing.
 */
@ApplicationScoped
public class TableConsumers {
    private static final Logger LOG = Logger.getLogger(TableConsumers.class);

    @Inject
    PresenceTable presence;

    @Inject
    MembershipView membership;

    @Inject
    RoutingConfig config;

    @Inject
    KafkaClients kafka;

    private final CompletableFuture<Void> loaded = new CompletableFuture<>();

    @Produces
    @Singleton
    static MembershipView membershipView() {
        return new MembershipView();
    }

    void start(@Observes StartupEvent event) {
        ConsumerLoop presenceLoop = kafka.start(kafka.loop("presence")
                .assign(List.of(Topics.PRESENCE), ConsumerLoop.Start.EARLIEST).catchUp()
                .handler(TableFold.of(Presence.class, RecordRules::checkPresence, presence::apply)));
        ConsumerLoop membershipLoop = kafka.start(kafka.loop("membership")
                .assign(List.of(Topics.MEMBERSHIP), ConsumerLoop.Start.EARLIEST).catchUp()
                .handler(TableFold.of(Membership.class, RecordRules::checkMembership, membership::apply)));
        CompletableFuture.allOf(presenceLoop.caughtUp(), membershipLoop.caughtUp()).thenRun(() -> {
            LOG.info("presence and membership tables loaded: routing");
            loaded.complete(null);
        });
    }

    /** Completes once both tables hold what their topics held when this instance started. */
    public CompletableFuture<Void> loaded() {
        return loaded;
    }

    /** Forgets nodes that have been silent too long and tombstones their entries, so the compacted topic forgets too. */
    @Scheduled(every = "1m", delay = 1)
    void purgeGhosts() {
        List<String> keys = presence.purgeSilentNodes(config.ghostPurgeAfter().toMillis());
        if (!keys.isEmpty()) {
            LOG.infof("purging %d presence entries of silent gateway nodes", keys.size());
            keys.forEach(key -> kafka.reliable().send(new ProducerRecord<>(Topics.PRESENCE, key, null)));
        }
    }
}
