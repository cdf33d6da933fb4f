package im.history;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.agroal.api.AgroalDataSource;

/** Ready only when PostgreSQL answers: history is useless without its store. */
@Readiness
@ApplicationScoped
public class DatabaseHealth implements HealthCheck {

    private final AgroalDataSource dataSource;

    DatabaseHealth(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public HealthCheckResponse call() {
        try (var connection = dataSource.getConnection();
                var statement = connection.createStatement();
                var result = statement.executeQuery("select version()")) {
            result.next();
            return HealthCheckResponse.named("postgresql").up().withData("version", result.getString(1)).build();
        } catch (Exception e) {
            return HealthCheckResponse.named("postgresql").down().withData("error", e.getMessage()).build();
        }
    }
}
