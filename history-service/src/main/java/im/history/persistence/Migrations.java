package im.history.persistence;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;

/**
 * Brings the schema up to date with Flyway (scripts in {@code db/migration}) when the service starts. The consumer waits
 * for {@link #ready()}, so no record is stored into a schema that is not there yet.
 */
@ApplicationScoped
public class Migrations {
    private static final Logger LOG = Logger.getLogger(Migrations.class);

    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    @Inject
    AgroalDataSource dataSource;

    void migrate(@Observes StartupEvent event) {
        try {
            var result = Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
            LOG.infof("schema at version %s (%d migrations applied)", result.targetSchemaVersion, result.migrationsExecuted);
            ready.complete(null);
        } catch (RuntimeException e) {
            ready.completeExceptionally(e);
            throw e;
        }
    }

    /** Completes once the schema is current. */
    public CompletableFuture<Void> ready() {
        return ready;
    }
}
