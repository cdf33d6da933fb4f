package im.gateway.session;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import im.gateway.config.GatewayConfig;
import im.gateway.messaging.PresencePublisher;
import im.protocol.CloseCode;

/**
 * Starts and stops the node cleanly: on shutdown every session is told {@code closing: SHUTDOWN}, its presence is removed
 * and the node's heartbeat is tombstoned, so routing stops targeting this node at once instead of waiting for the
 * heartbeat timeout.
 */
@ApplicationScoped
public class NodeLifecycle {
    private static final Logger LOG = Logger.getLogger(NodeLifecycle.class);

    @Inject
    SessionRegistry sessions;

    @Inject
    PresencePublisher presence;

    @Inject
    GatewayConfig config;

    void onStart(@Observes StartupEvent event) {
        LOG.infof("gateway node %s (slot %d, epoch %d) up", config.nodeId(), config.nodeSlot(), presence.epoch());
    }

    void onStop(@Observes ShutdownEvent event) {
        List<Session> all = List.copyOf(sessions.all());
        for (Session session : all) {
            session.close(CloseCode.SHUTDOWN);
        }
        presence.nodeDown(Duration.ofSeconds(3));
        LOG.infof("gateway node %s down, %d sessions closed", config.nodeId(), all.size());
    }
}
