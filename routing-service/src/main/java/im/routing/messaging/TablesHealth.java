package im.routing.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only once the presence and membership tables are loaded ({@link TableCatchUp}). */
@Readiness
@ApplicationScoped
public class TablesHealth implements HealthCheck {

    @Inject
    TableCatchUp tables;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("routing-tables").status(tables.isCaughtUp()).build();
    }
}
