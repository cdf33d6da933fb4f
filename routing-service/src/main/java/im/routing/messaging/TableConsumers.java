package im.routing.messaging;

import java.util.List;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.MembershipView;
import im.protocol.Presence;
import im.protocol.ProtocolException;
import im.routing.config.RoutingConfig;
import im.routing.presence.PresenceTable;

/**
 * Folds the compacted {@code im.presence} and {@code im.membership} topics into this instance's tables. Every routing
 * instance reads both topics whole (its own generated consumer group), so any instance can route any conversation.
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
    TableCatchUp catchUp;

    @Inject
    @Channel("presence-cleanup")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 65536)
    Emitter<Record<String, String>> cleanup;

    @Produces
    @Singleton
    static MembershipView membershipView() {
        return new MembershipView();
    }

    @Incoming("presence")
    public CompletionStage<Void> presence(Message<String> record) {
        try {
            String value = record.getPayload();
            presence.apply(keyOf(record), value == null ? null : JsonCodec.decode(value, Presence.class));
            return record.ack();
        } catch (ProtocolException e) {
            return MessageConsumer.deadLetter(record, e);
        } finally {
            seen(record);
        }
    }

    @Incoming("membership")
    public CompletionStage<Void> membership(Message<String> record) {
        try {
            String value = record.getPayload();
            membership.apply(keyOf(record), value == null ? null : JsonCodec.decode(value, Membership.class));
            return record.ack();
        } catch (ProtocolException e) {
            return MessageConsumer.deadLetter(record, e);
        } finally {
            seen(record);
        }
    }

    /** Forgets nodes that have been silent too long and tombstones their entries, so the compacted topic forgets too. */
    @Scheduled(every = "1m", delay = 1)
    void purgeGhosts() {
        List<String> keys = presence.purgeSilentNodes(config.ghostPurgeAfter().toMillis());
        if (!keys.isEmpty()) {
            LOG.infof("purging %d presence entries of silent gateway nodes", keys.size());
            keys.forEach(key -> cleanup.send(Record.of(key, null)));
        }
    }

    private void seen(Message<String> record) {
        record.getMetadata(IncomingKafkaRecordMetadata.class)
                .ifPresent(m -> catchUp.seen(m.getTopic(), m.getPartition(), m.getOffset()));
    }

    private static String keyOf(Message<String> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> (String) m.getKey()).orElse(null);
    }
}
