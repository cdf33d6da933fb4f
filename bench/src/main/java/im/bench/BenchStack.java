package im.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.utils.AppInfoParser;

import im.testkit.EmbeddedPg;
import im.testkit.FreePorts;
import im.testkit.ServiceProcess;

/**
 * The system under load: by default a fresh stack of its own under {@code .data/bench-*} (Kafka broker in a child JVM,
 * PostgreSQL from the zonky binaries, the packaged gateway, routing and history services as child processes with the
 * local stack's settings plus raised send rate), or a stack started by {@code ./im start} ({@code --use-running}).
 */
final class BenchStack implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** The gateway's per-user send rate during the bench (the default is 10/s). */
    static final int SEND_RATE = 1_000_000;
    static final String SERVICE_HEAP = "-Xmx512m";
    static final int MESSAGE_PARTITIONS = 8;

    final Path root;
    final boolean running;
    final String host;
    final int gatewayPort;
    final String secret;
    final String bootstrap;
    final String jdbcUrl;
    final Map<String, String> settings = new LinkedHashMap<>();
    private Path work;
    private Process broker;
    private EmbeddedPg pg;
    private final List<ServiceProcess> services = new ArrayList<>();
    private ServiceProcess gateway;
    private long gatewayPid = -1;
    private String routingUrl = "http://localhost:8081";

    private BenchStack(Path root, boolean running, String host, int gatewayPort, String secret, String bootstrap,
            String jdbcUrl) {
        this.root = root;
        this.running = running;
        this.host = host;
        this.gatewayPort = gatewayPort;
        this.secret = secret;
        this.bootstrap = bootstrap;
        this.jdbcUrl = jdbcUrl;
    }

    /** Uses a stack started by ./im start: gateway at {@code url}, its secret from .data/jwt-secret. */
    static BenchStack useRunning(Path root, String url) throws IOException {
        URI uri = URI.create(url);
        String secret = System.getenv("IM_JWT_SECRET") != null
                ? System.getenv("IM_JWT_SECRET")
                : Files.readString(root.resolve(".data/jwt-secret")).strip();
        String kafkaPort = System.getenv().getOrDefault("IM_KAFKA_PORT", "9092");
        String pgPort = System.getenv().getOrDefault("IM_PG_PORT", "5433");
        BenchStack stack = new BenchStack(root, true, uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort(), secret,
                "localhost:" + kafkaPort, "jdbc:postgresql://localhost:" + pgPort + "/im");
        stack.gatewayPid = findPid("gateway-service");
        stack.settings.put("stack", "running stack at " + url + " (./im start: its own settings; the send rate limit is "
                + "whatever that stack was started with)");
        return stack;
    }

    /** Starts a fresh stack under .data/bench-*. */
    static BenchStack start(Path root) throws Exception {
        Files.createDirectories(root.resolve(".data"));
        Path work = Files.createTempDirectory(root.resolve(".data"), "bench-");
        int kafkaPort = FreePorts.next();
        String bootstrap = "localhost:" + kafkaPort;
        String secret = "bench-" + UUID.randomUUID() + "-" + UUID.randomUUID();
        Process broker = startBroker(root, work, kafkaPort);
        // IM_PG_SETTINGS as for ./im start: server settings to measure with (a planner setting, say)
        Map<String, String> pgSettings = EmbeddedPg.settings(System.getenv("IM_PG_SETTINGS"));
        if (PG_STATEMENTS) {
            pgSettings.put("shared_preload_libraries", "pg_stat_statements");
            pgSettings.put("pg_stat_statements.track_planning", "on");
        }
        EmbeddedPg pg = EmbeddedPg.start(work.resolve("pg"), FreePorts.next(), pgSettings);
        BenchStack stack = new BenchStack(root, false, "127.0.0.1", FreePorts.next(), secret, bootstrap, pg.jdbcUrl());
        stack.work = work;
        stack.broker = broker;
        stack.pg = pg;
        if (PG_STATEMENTS) {
            stack.createStatementsExtension();
        }
        try {
            stack.startServices();
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    private static Process startBroker(Path root, Path work, int port) throws IOException {
        List<String> command = List.of(java(), "-Xmx1g", "-Djava.io.tmpdir=" + work, "-cp",
                System.getProperty("java.class.path"), BrokerMain.class.getName(), work.resolve("kafka").toString(),
                String.valueOf(port), String.valueOf(FreePorts.next()), String.valueOf(MESSAGE_PARTITIONS));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY")) {
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // broker log: discarded (WARN and up only)
                        }
                    } catch (IOException e) {
                        // gone
                    }
                }, "broker-out");
                drain.setDaemon(true);
                drain.start();
                return process;
            }
            lines.add(line);
        }
        throw new IllegalStateException("broker did not start:\n" + String.join("\n", lines));
    }

    private void startServices() {
        Path logs = work.resolve("logs");
        // another checkout's packaged services (IM_BENCH_SERVICES): how a before/after pair is measured with one harness
        Path jars = Path.of(System.getProperty("im.bench.services", root.toString())).toAbsolutePath().normalize();
        int routingPort = FreePorts.next();
        int historyPort = FreePorts.next();
        routingUrl = "http://localhost:" + routingPort;
        Map<String, String> common = new LinkedHashMap<>();
        common.put("quarkus.profile", "local");
        common.put("kafka.bootstrap.servers", bootstrap);
        common.put("im.jwt.secret", secret);
        common.put("java.io.tmpdir", work.toString());
        Map<String, String> gw = new LinkedHashMap<>(common);
        gw.put("im.gateway.node-id", "gw-1");
        gw.put("im.gateway.node-slot", "0");
        gw.put("im.gateway.history-url", "http://localhost:" + historyPort);
        gw.put("im.gateway.send-rate-per-second", String.valueOf(SEND_RATE));
        Map<String, String> history = new LinkedHashMap<>(common);
        history.put("quarkus.datasource.jdbc.url", jdbcUrl);
        history.put("quarkus.datasource.username", pg.username());
        history.put("quarkus.datasource.password", pg.password());
        history.put("im.history.routing-url", "http://localhost:" + routingPort);
        services.add(ServiceProcess.start(jars, "routing-service", "routing", routingPort, common,
                logs.resolve("routing.log"), jvm("routing")));
        services.add(ServiceProcess.start(jars, "history-service", "history", historyPort, history,
                logs.resolve("history.log"), jvm("history")));
        gateway = ServiceProcess.start(jars, "gateway-service", "gateway", gatewayPort, gw, logs.resolve("gateway.log"),
                jvm("gateway"));
        services.add(gateway);
        services.parallelStream().forEach(s -> s.awaitReady(Duration.ofSeconds(120)));
        gatewayPid = gateway.pid();
        settings.put("stack",
                "own stack: Kafka " + AppInfoParser.getVersion()
                        + " broker (KRaft, one node) in a child JVM (-Xmx1g), PostgreSQL 17 "
                        + "(zonky), gateway + routing + history as packaged jars (" + SERVICE_HEAP
                        + (extraJvmOptions().isEmpty()
                                ? ", default GC"
                                : " " + String.join(" ", extraJvmOptions())
                                        + " (IM_BENCH_SERVICE_JVM)")
                        + ", profile local), one gateway node");
        settings.put("services", jars.equals(root) ? "this checkout" : jars + " (IM_BENCH_SERVICES)");
        settings.put("im.gateway.send-rate-per-second", SEND_RATE + " (raised for the bench; default 10)");
        settings.put("im.gateway.outbound-queue-size", "1000 (default)");
        // admission past saturation, as the environment the services inherit sets it (IM_GATEWAY_OVERLOAD_*)
        StringBuilder overload = new StringBuilder();
        System.getenv().forEach((name, value) -> {
            if (name.startsWith("IM_GATEWAY_OVERLOAD_")) {
                overload.append(overload.isEmpty() ? "" : ", ").append(name).append('=').append(value);
            }
        });
        settings.put("im.gateway.overload.*", overload.isEmpty()
                ? "defaults (on; shed low/medium/high from 300/450/600 ms)"
                : overload.toString());
        settings.put("im.messages.* partitions", String.valueOf(MESSAGE_PARTITIONS));
    }

    /**
     * With {@code IM_BENCH_PG_STATEMENTS=1}: PostgreSQL records every statement's cost ({@code pg_stat_statements}) and
     * the costliest are printed when the stack stops, to tell which of history's statements the database's CPU goes to.
     */
    static final boolean PG_STATEMENTS = !System.getProperty("im.bench.pg-statements", "").isBlank();

    private void createStatementsExtension() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, pg.username(), pg.password());
                Statement statement = connection.createStatement()) {
            statement.execute("create extension if not exists pg_stat_statements");
        } catch (SQLException e) {
            System.err.println("pg_stat_statements not available: " + e.getMessage());
        }
    }

    private void printStatements() {
        String query = "select calls, round(total_exec_time::numeric, 0), round(total_plan_time::numeric, 0), rows,"
                + " round((total_exec_time / greatest(calls, 1))::numeric, 3), left(regexp_replace(query, '\\s+', ' ', 'g'), 160)"
                + " from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())"
                + " order by total_exec_time + total_plan_time desc limit 15";
        try (Connection connection = DriverManager.getConnection(jdbcUrl, pg.username(), pg.password());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(query)) {
            System.out.println("PostgreSQL's costliest statements (pg_stat_statements, whole run):");
            System.out.printf("%10s %10s %9s %10s %9s  %s%n", "calls", "exec ms", "plan ms", "rows", "ms/call", "query");
            while (rows.next()) {
                System.out.printf("%10d %10d %9d %10d %9.3f  %s%n", rows.getLong(1), rows.getLong(2), rows.getLong(3),
                        rows.getLong(4), rows.getDouble(5), rows.getString(6));
            }
        } catch (SQLException e) {
            System.err.println("pg_stat_statements not read: " + e.getMessage());
        }
    }

    /**
     * A service's JVM options: the heap, and with {@code IM_BENCH_JFR=<dir>} a Flight Recording (profile settings) written
     * to {@code <dir>/<service>.jfr} when the service stops, for the performance pass.
     */
    private static String[] jvm(String service) {
        List<String> options = new ArrayList<>(List.of(SERVICE_HEAP));
        options.addAll(extraJvmOptions());
        String jfr = System.getProperty("im.bench.jfr", "");
        if (!jfr.isBlank()) {
            options.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                    + Path.of(jfr).toAbsolutePath().resolve(service + ".jfr"));
        }
        return options.toArray(String[]::new);
    }

    /** {@code IM_BENCH_SERVICE_JVM}: more JVM options for every service (a GC to compare), separated by spaces. */
    private static List<String> extraJvmOptions() {
        String extra = System.getenv().getOrDefault("IM_BENCH_SERVICE_JVM", "").trim();
        return extra.isEmpty() ? List.of() : List.of(extra.split("\\s+"));
    }

    String wsHost() {
        return host;
    }

    String gatewayUrl() {
        return "http://" + host + ":" + gatewayPort;
    }

    String routingUrl() {
        return routingUrl;
    }

    /** CPU accounting of every process of the stack (none for a running stack: its processes are not ours to read). */
    CpuMeter cpu() {
        CpuMeter meter = new CpuMeter().jvm(ProcessHandle.current().pid());
        if (running) {
            // not ours to account for, but their JIT tells when a warm-up is over
            for (String module : List.of("gateway-service", "routing-service", "history-service")) {
                meter.jvm(findPid(module));
            }
            return meter.add("harness", ProcessHandle.current().pid());
        }
        for (ServiceProcess service : services) {
            meter.add(service.name(), service.pid()).jvm(service.pid());
        }
        meter.add("broker", broker == null ? -1 : broker.pid()).jvm(broker == null ? -1 : broker.pid());
        meter.addTree("postgresql", pg == null ? -1 : pg.pid());
        return meter.add("harness", ProcessHandle.current().pid());
    }

    long gatewayPid() {
        return gatewayPid;
    }

    /** Rows in history's message table, or -1 when the database cannot be read. */
    long storedMessages() {
        try (Connection db = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
                Statement statement = db.createStatement();
                ResultSet result = statement.executeQuery("select count(*) from message")) {
            result.next();
            return result.getLong(1);
        } catch (Exception e) {
            return -1;
        }
    }

    /** The gateway's Prometheus text, or empty. */
    String gatewayMetrics() {
        return metricsOf(gatewayUrl());
    }

    /** Routing's Prometheus text, or empty. */
    String routingMetrics() {
        return metricsOf(routingUrl);
    }

    private static String metricsOf(String baseUrl) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/q/metrics")).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    /** Sum of a Prometheus series' values over lines that start with {@code prefix}. */
    static double metric(String metrics, String prefix) {
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith(prefix)) {
                String[] parts = line.trim().split(" ");
                try {
                    sum += Double.parseDouble(parts[parts.length - 1]);
                } catch (NumberFormatException e) {
                    // not a sample
                }
            }
        }
        return sum;
    }

    private static long findPid(String module) {
        try {
            Process jcmd = new ProcessBuilder("jcmd", "-l").redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(10, TimeUnit.SECONDS);
            for (String line : out.split("\n")) {
                if (line.contains(module + "/target/quarkus-app/quarkus-run.jar")) {
                    return Long.parseLong(line.trim().split(" ")[0]);
                }
            }
        } catch (Exception e) {
            // no jcmd: heap from metrics without a forced GC, no RSS
        }
        return -1;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    Path work() {
        return work;
    }

    @Override
    public void close() {
        services.parallelStream().forEach(s -> s.stop(Duration.ofSeconds(15)));
        if (PG_STATEMENTS && pg != null) {
            printStatements();
        }
        if (pg != null) {
            try {
                pg.close();
            } catch (RuntimeException e) {
                System.err.println("PostgreSQL did not stop cleanly: " + e.getMessage());
            }
        }
        if (broker != null) {
            try {
                broker.getOutputStream().close();
                if (!broker.waitFor(20, TimeUnit.SECONDS)) {
                    broker.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (IOException e) {
                broker.destroyForcibly();
            } catch (InterruptedException e) {
                broker.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (work != null) {
            try (var paths = Files.walk(work)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
