package im.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL 17 server from the zonky binaries on Maven Central: one per test JVM ({@link #shared()}), or kept in
 * a data directory by the local stack.
 */
public final class EmbeddedPg implements AutoCloseable {
    private static EmbeddedPg shared;

    private final Path dataDir;
    private final int port;
    private final String database;
    private final Map<String, String> settings;
    private EmbeddedPostgres postgres;

    private EmbeddedPg(EmbeddedPostgres postgres, Path dataDir, int port, String database, Map<String, String> settings) {
        this.postgres = postgres;
        this.dataDir = dataDir;
        this.port = port;
        this.database = database;
        this.settings = settings;
    }

    /** Starts a server on {@code port} with its cluster in {@code dataDir} (reused when it exists) and database {@code im}. */
    public static EmbeddedPg start(Path dataDir, int port) {
        return start(dataDir, port, Map.of());
    }

    /**
     * Server settings written {@code name=value,name=value} (the {@code IM_PG_SETTINGS} of {@code ./im start} and
     * {@code ./im bench}); null or blank is none.
     *
     * @throws IllegalArgumentException for a part that is not {@code name=value}
     */
    public static Map<String, String> settings(String spec) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return settings;
        }
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("IM_PG_SETTINGS: '" + part.trim() + "' is not name=value");
            }
            settings.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        return settings;
    }

    /** {@link #start(Path, int)} with server settings ({@code postgresql.conf} names and values). */
    public static EmbeddedPg start(Path dataDir, int port, Map<String, String> settings) {
        EmbeddedPg pg = new EmbeddedPg(launch(dataDir, port, settings), dataDir, port, "im", Map.copyOf(settings));
        pg.createDatabase();
        return pg;
    }

    private static EmbeddedPostgres launch(Path dataDir, int port, Map<String, String> settings) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            settings.forEach(builder::setServerConfig);
            return builder.setDataDirectory(dataDir).setCleanDataDirectory(false).setPort(port).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server (an outage, for fault-injection tests); {@link #restart()} brings it back with its data. */
    public synchronized void stop() {
        close();
    }

    /** Starts the server again on the same port and data directory. */
    public synchronized void restart() {
        postgres = launch(dataDir, port, settings);
    }

    /** The server of this JVM, on a free port in a temporary directory, stopped when the JVM exits. */
    public static synchronized EmbeddedPg shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("im-pg-");
                shared = start(dir, FreePorts.next());
                EmbeddedPg pg = shared;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    pg.close();
                    Files2.deleteTree(dir);
                }, "im-pg-stop"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** The postmaster's pid (its backends are its children), from the cluster's postmaster.pid; -1 when not running. */
    public long pid() {
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database;
    }

    public String username() {
        return "postgres";
    }

    public String password() {
        return "postgres";
    }

    private void createDatabase() {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            try (ResultSet exists = statement.executeQuery("select 1 from pg_database where datname = '" + database + "'")) {
                if (exists.next()) {
                    return;
                }
            }
            statement.execute("create database " + database);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
