package im.media.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;

/**
 * Brings the {@code media} schema up to date with Flyway (scripts in {@code db/migration}) when the service starts, before
 * the HTTP port takes uploads. The schema is the service's own, so history and media can share one database.
 */
@ApplicationScoped
public class Migrations {
    private static final Logger LOG = Logger.getLogger(Migrations.class);

    @Inject
    AgroalDataSource dataSource;

    void migrate(@Observes StartupEvent event) {
        var result = Flyway.configure().dataSource(dataSource).schemas("media").createSchemas(true)
                .locations("classpath:db/migration").load().migrate();
        LOG.infof("media schema at version %s (%d migrations applied)", result.targetSchemaVersion,
                result.migrationsExecuted);
    }
}
