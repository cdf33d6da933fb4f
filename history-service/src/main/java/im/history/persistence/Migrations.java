package im.history.persistence;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

import im.pipeline.Failures;

/**
 * Brings the schema up to date with quarkus-flyway's {@link Flyway} (scripts in {@code db/migration},
 * {@code quarkus.flyway.*}) when the service starts. PostgreSQL not
 * answering yet is a transient failure like any other: the migration is retried with backoff in the background while the
 * service is up but not ready, instead of failing the start. The consumer stores nothing before {@link #ready()}.
 */
@ApplicationScoped
public class Migrations {
    private static final Logger LOG = Logger.getLogger(Migrations.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile boolean stopping;

    @Inject
    Flyway flyway;

    void migrate(@Observes StartupEvent event) {
        if (!tryMigrate()) {
            Thread retry = new Thread(this::retry, "im-migrations");
            retry.setDaemon(true);
            retry.start();
        }
    }

    private void retry() {
        Duration backoff = Duration.ofMillis(500);
        while (!stopping && !tryMigrate()) {
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** One attempt: true when the schema is current; a failure that is not transient (a broken script) is thrown. */
    private boolean tryMigrate() {
        try {
            var result = flyway.migrate();
            LOG.infof("schema at version %s (%d migrations applied)", result.targetSchemaVersion, result.migrationsExecuted);
            ready.complete(null);
            return true;
        } catch (RuntimeException e) {
            if (!Failures.isTransient(e)) {
                ready.completeExceptionally(e);
                throw e;
            }
            LOG.warnf("schema not migrated yet, PostgreSQL unavailable (%s); retrying", e.getMessage());
            return false;
        }
    }

    /** Completes once the schema is current. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    @PreDestroy
    void stop() {
        stopping = true;
    }
}
