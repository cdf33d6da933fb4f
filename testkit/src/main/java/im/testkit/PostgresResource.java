package im.testkit;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Points a {@code @QuarkusTest} at the JVM's shared real PostgreSQL ({@link EmbeddedPg#shared()}). */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        EmbeddedPg pg = EmbeddedPg.shared();
        return Map.of("quarkus.datasource.jdbc.url", pg.jdbcUrl(), "quarkus.datasource.username", pg.username(),
                "quarkus.datasource.password", pg.password(), "quarkus.datasource.devservices.enabled", "false");
    }

    @Override
    public void stop() {
        // the shared server lives until the JVM exits, for the next test class
    }
}
