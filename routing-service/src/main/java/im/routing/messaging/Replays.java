package im.routing.messaging;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;

import im.pipeline.KafkaClients;
import im.protocol.Delivery;
import im.protocol.JsonCodec;
import im.protocol.MembershipView;
import im.protocol.Topics;
import im.routing.config.RoutingConfig;
import im.routing.presence.PresenceTable.Gained;
import im.routing.route.RecentMessages;

/**
 * The session-frame guarantee (PROTOCOL v1.1, Session): a message whose ack reaches its sender after the recipient got
 * its {@code session} frame is pushed to that session. The gateway sends {@code session} once the new session's presence
 * is written, but routing may have routed a message before it read that presence; so when a user gains a session (or a
 * room) on a node, the messages of the user's recent past that routing handed out ({@link RecentMessages}) go to that
 * node again, marked {@code replay}: the node pushes them only to sessions that have not had them.
 */
@ApplicationScoped
public class Replays {
    private static final Logger LOG = Logger.getLogger(Replays.class);

    @Inject
    RecentMessages recent;

    @Inject
    MembershipView membership;

    @Inject
    KafkaClients kafka;

    @Inject
    MeterRegistry metrics;

    @Inject
    RoutingConfig config;

    @Produces
    @Singleton
    static RecentMessages recentMessages(RoutingConfig config) {
        return new RecentMessages(config.replayWindow(), config.replayMaxPerLog(), config.maxTrackedConversations());
    }

    /** A user gained sessions or rooms on a node (fired by the presence table once the change is applied). */
    void onGained(@Observes Gained gained) {
        // a set: a group's tips is in the group's log and in its targets' logs
        Set<RecentMessages.Entry> entries = new LinkedHashSet<>();
        if (gained.sessions()) {
            entries.addAll(recent.recent(RecentMessages.userLog(gained.userId())));
            for (String group : Set.copyOf(membership.groupsOf(gained.userId()))) {
                entries.addAll(recent.recent(RecentMessages.groupLog(group)));
            }
        }
        for (String room : gained.rooms()) {
            entries.addAll(recent.recent(RecentMessages.roomLog(room)));
        }
        for (RecentMessages.Entry entry : entries) {
            if (entry.toUserIds() != null && !entry.toUserIds().contains(gained.userId())) {
                continue;
            }
            Delivery replay = new Delivery(1, gained.nodeId(), entry.conversationKey(), List.of(gained.userId()),
                    entry.roomId(), entry.excludeSessionId(), entry.message(), null, null, true);
            kafka.producer(MessageConsumer.DELIVERIES, MessageConsumer.deliveriesSettings(config))
                    .send(new ProducerRecord<>(Topics.DELIVERIES, gained.slot(), gained.nodeId(),
                            JsonCodec.encodeBytes(replay)))
                    .exceptionally(failure -> {
                        LOG.warnf("replay of %s to %s not written: %s", entry.message().messageId(), gained.nodeId(),
                                failure.toString());
                        return null;
                    });
        }
        if (!entries.isEmpty()) {
            metrics.counter("im.routing.replayed").increment(entries.size());
        }
    }
}
