package im.history.persistence;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.Cancellable;

import im.pipeline.Failures;

/**
 * Brings the schema up to date with quarkus-flyway's {@link Flyway} (scripts in {@code db/migration},
 * {@code quarkus.flyway.*}) when the service starts. PostgreSQL not
 * answering yet is a transient failure like any other: the migration is retried with backoff (Mutiny's retry, 0.5 s
 * doubling to 10 s) on a worker thread while the service is up but not ready, instead of failing the start. The consumer stores nothing before {@link #ready()}.
 */
@ApplicationScoped
public class Migrations {
    private static final Logger LOG = Logger.getLogger(Migrations.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile Cancellable retrying;

    @Inject
    Flyway flyway;

    /** The first attempt before the service starts; while PostgreSQL is not there, retries in the background. */
    void migrate(@Observes StartupEvent event) {
        try {
            migrateOnce();
            ready.complete(null);
        } catch (RuntimeException e) {
            if (!Failures.isTransient(e)) {
                ready.completeExceptionally(e);
                throw e;
            }
            LOG.warnf("schema not migrated yet, PostgreSQL unavailable (%s); retrying", e.getMessage());
            retrying = Uni.createFrom().item(this::migrateOnce)
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                    .onFailure(Failures::isTransient).retry().withBackOff(FIRST_BACKOFF, MAX_BACKOFF).indefinitely()
                    .subscribe().with(version -> ready.complete(null), ready::completeExceptionally);
        }
    }

    /** One attempt; a failure that is not transient (a broken script) fails {@link #ready()} for good. */
    private String migrateOnce() {
        MigrateResult result = flyway.migrate();
        LOG.infof("schema at version %s (%d migrations applied)", result.targetSchemaVersion, result.migrationsExecuted);
        return result.targetSchemaVersion;
    }

    /** Completes once the schema is current. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    @PreDestroy
    void stop() {
        Cancellable current = retrying;
        if (current != null) {
            current.cancel();
        }
    }
}
