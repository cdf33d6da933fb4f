package im.gateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;

/**
 * What operators watch of this node's sessions: {@code im.gateway.sessions} (open sessions) and
 * {@code im.gateway.outbound.queued} (frames waiting in all sessions' outbound queues, summed when scraped; a queue that
 * keeps growing is a slow consumer on its way to {@code SLOW_CONSUMER}).
 */
@ApplicationScoped
public class SessionGauges {

    @Inject
    SessionRegistry sessions;

    @Inject
    MeterRegistry metrics;

    void register(@Observes StartupEvent event) {
        Gauge.builder("im.gateway.sessions", sessions, SessionRegistry::size).description("open sessions on this node")
                .register(metrics);
        Gauge.builder("im.gateway.outbound.queued", sessions, SessionGauges::queued)
                .description("frames waiting in the sessions' outbound queues").register(metrics);
    }

    private static double queued(SessionRegistry sessions) {
        long queued = 0;
        for (Session session : sessions.all()) {
            queued += session.outbox().size();
        }
        return queued;
    }
}
