package im.gateway.session;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.websockets.next.CloseReason;

import im.protocol.Broadcast;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.Delivery;
import im.protocol.ServerFrames;

/**
 * Pushes what routing hands this node to the right sessions: for peer and group conversations the listed users' sessions,
 * for rooms the sessions that entered the room, never the sending session itself.
 */
@ApplicationScoped
public class Delivering {
    private static final Logger LOG = Logger.getLogger(Delivering.class);
    /** Close code for a session that cannot keep up (4000-4999 is the application range). */
    public static final int CLOSE_SLOW_CONSUMER = 4008;

    @Inject
    SessionRegistry sessions;

    @Inject
    MeterRegistry metrics;

    @Inject
    im.gateway.config.GatewayConfig config;

    private Counter delivered;
    private Counter broadcasts;

    @jakarta.annotation.PostConstruct
    void init() {
        delivered = metrics.counter("im.gateway.delivered");
        broadcasts = metrics.counter("im.gateway.broadcast.pushed");
    }

    public void deliver(Delivery delivery) {
        if (!config.nodeId().equals(delivery.nodeId())) {
            return; // another node that shares this slot: not ours to push
        }
        ConversationKey key = ConversationKey.parse(delivery.conversationKey());
        Collection<Session> targets;
        if (delivery.roomId() != null) {
            targets = sessions.inRoom(delivery.roomId());
            if (delivery.userIds() != null) {
                targets = targets.stream().filter(s -> delivery.userIds().contains(s.userId())).toList();
            }
        } else {
            List<Session> list = new ArrayList<>();
            if (delivery.userIds() != null) {
                for (String userId : delivery.userIds()) {
                    list.addAll(sessions.ofUser(userId));
                }
            }
            targets = list;
        }
        Outbox.Encoded message = delivery.message() == null ? null : new Outbox.Encoded(delivery.message());
        for (Session session : targets) {
            if (session.id().equals(delivery.excludeSessionId())) {
                continue;
            }
            if (offer(session, key.viewFor(session.userId()), delivery, message)) {
                delivered.increment();
            } else {
                closeSlow(session);
            }
        }
    }

    private static boolean offer(Session session, ConversationRef view, Delivery delivery, Outbox.Encoded message) {
        if (message != null) {
            return session.outbox().offerMessage(view, message);
        }
        if (delivery.revoked() != null) {
            return session.outbox()
                    .offerFrame(ServerFrames.Revoked.of(view, delivery.revoked().messageId(), delivery.revoked().by()));
        }
        Delivery.Receipt receipt = delivery.receipt();
        return receipt == null || session.outbox()
                .offerFrame(ServerFrames.Receipt.of(view, receipt.orderKey(), receipt.userId(), receipt.kind()));
    }

    public void broadcast(Broadcast broadcast) {
        String frame = im.protocol.JsonCodec.encode(ServerFrames.BroadcastFrame.of(broadcast.toMessage()));
        for (Session session : sessions.all()) {
            if (session.outbox().offerFrame(frame)) {
                broadcasts.increment();
            } else {
                closeSlow(session);
            }
        }
    }

    private void closeSlow(Session session) {
        LOG.infof("closing slow session %s of %s", session.id(), session.userId());
        session.outbox().close();
        sessions.remove(session);
        session.connection().sendText(im.protocol.JsonCodec.encode(ServerFrames.Closing.of(ServerFrames.SLOW_CONSUMER)))
                .onItemOrFailure().transformToUni((ok, failure) -> session.connection()
                        .close(new CloseReason(CLOSE_SLOW_CONSUMER, ServerFrames.SLOW_CONSUMER)))
                .subscribe().with(ok -> {
                }, failure -> LOG.debugf("close failed: %s", failure.getMessage()));
    }
}
