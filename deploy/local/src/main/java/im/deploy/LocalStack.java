package im.deploy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.EmbeddedPg;

/**
 * Runs the whole system on one machine without Docker: Kafka (KRaft) and PostgreSQL in this JVM's care, the five services
 * as child processes, all state under {@code .data} so a second start carries on where the first stopped. Gateway,
 * routing and history may run as several instances ({@code --gateways 3 --routers 2 --history 2}) to try scale-out.
 */
public final class LocalStack {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration DEATH_GRACE = Duration.ofSeconds(1);
    private static final int TAIL_LINES = 40;
    private static final String DATABASE = "im";
    private static final String DB_USER = "postgres";
    /** Settings of this launcher, read from its environment and kept out of the services' (they would read them). */
    static final List<String> LAUNCHER_ENV = List.of("IM_DATA_DIR", "IM_DEMO_DIR", "IM_GATEWAY_PORT", "IM_ROUTING_PORT",
            "IM_HISTORY_PORT", "IM_MEDIA_PORT", "IM_PUSH_PORT");

    /** Instance {@code i} (from 0) of a service listens on its base port + {@value} · i. */
    static final int PORT_STEP = 10;
    /** Message topics' partitions: routing and history instances beyond this many would get none. */
    static final int MESSAGE_PARTITIONS = 8;

    /**
     * One service process: its kind ({@code gateway}), its name ({@code gateway}, or {@code gateway-2} when the kind
     * runs several instances; it names the log too), HTTP port and the settings that differ from the service's defaults.
     */
    record Service(String kind, String name, int port, Map<String, String> properties) {
        String module() {
            return kind + "-service";
        }

        /** How the log names it: {@code gateway-2 (gateway-service, node gw-2, slot 1)}. */
        String describe() {
            String node = properties.get("im.gateway.node-id");
            String detail = node == null
                    ? module()
                    : module() + ", node " + node + ", slot " + properties.get("im.gateway.node-slot");
            return name + " (" + detail + ")";
        }

        String healthUrl() {
            return "http://localhost:" + port + "/q/health/ready";
        }
    }

    /** How many instances of the services that scale out: {@code --gateways N --routers N --history N}. */
    record Topology(int gateways, int routers, int history) {
        static final Topology SINGLE = new Topology(1, 1, 1);
        static final String USAGE = """
                usage: ./im start [--gateways N] [--routers N] [--history N]
                  --gateways N   gateway nodes, 1-%d (instance i: node gw-<i+1> on partition (slot) i of im.deliveries)
                  --routers N    routing instances, 1-%d (consumer group routing shares the message partitions)
                  --history N    history instances, 0-%d (consumer group history shares im.messages.reliable;
                                 0 runs none, to rebuild history's tables: docs/operations.md)
                Instance i (from 0) listens on its service's base port + %d*i: gateways 8080, 8090, 8100...,
                routing 8081, 8091..., history 8082, 8092...; media (8083) and push (8084) run once."""
                .formatted(Topics.DEFAULT_GATEWAY_SLOTS, MESSAGE_PARTITIONS, MESSAGE_PARTITIONS, PORT_STEP);

        /** Reads the options of {@code ./im start}; a bad one is a {@link StartupException} holding the usage. */
        static Topology parse(String... args) {
            int gateways = 1;
            int routers = 1;
            int history = 1;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    value = arg.substring(eq + 1);
                    arg = arg.substring(0, eq);
                }
                switch (arg) {
                    case "--gateways" -> gateways = count(arg, value != null ? value : next(args, ++i, arg), 1,
                            Topics.DEFAULT_GATEWAY_SLOTS);
                    case "--routers" -> routers = count(arg, value != null ? value : next(args, ++i, arg), 1,
                            MESSAGE_PARTITIONS);
                    case "--history" -> history = count(arg, value != null ? value : next(args, ++i, arg), 0,
                            MESSAGE_PARTITIONS);
                    default -> throw new StartupException("unexpected argument: " + args[i] + "\n" + USAGE);
                }
            }
            return new Topology(gateways, routers, history);
        }

        private static String next(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new StartupException(option + " needs a number\n" + USAGE);
            }
            return args[i];
        }

        private static int count(String option, String value, int min, int max) {
            try {
                int n = Integer.parseInt(value.strip());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // answered below
            }
            throw new StartupException(option + " must be a number from " + min + " to " + max + ", not " + value + "\n"
                    + USAGE);
        }
    }

    /** A start that cannot go on; its message is meant for the user as it is. */
    static final class StartupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StartupException(String message) {
            super(message);
        }
    }

    private final Path root;
    private final Path data;
    private final Path logs;
    private final int kafkaPort;
    private final int controllerPort;
    private final int pgPort;
    private final List<Service> services;
    private final Path demoDir;
    private final Map<Service, Process> processes = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private EmbeddedKafka kafka;
    private EmbeddedPostgres postgres;
    /** PostgreSQL server settings from {@code IM_PG_SETTINGS} ({@code name=value,name=value}), e.g. for profiling. */
    private final Map<String, String> pgSettings;
    private volatile boolean stopping;

    LocalStack(Path root, Map<String, String> env) {
        this(root, env, Topology.SINGLE);
    }

    LocalStack(Path root, Map<String, String> env, Topology topology) {
        this.root = root;
        String dataDir = env.get("IM_DATA_DIR");
        this.data = dataDir == null || dataDir.isBlank() ? root.resolve(".data") : Path.of(dataDir).toAbsolutePath();
        this.logs = data.resolve("logs");
        this.kafkaPort = intEnv(env, "IM_KAFKA_PORT", 9092);
        this.controllerPort = intEnv(env, "IM_KAFKA_CONTROLLER_PORT", kafkaPort + 1);
        this.pgPort = intEnv(env, "IM_PG_PORT", 5433);
        this.pgSettings = pgSettings(env.get("IM_PG_SETTINGS"));
        int gatewayPort = intEnv(env, "IM_GATEWAY_PORT", 8080);
        int routingPort = intEnv(env, "IM_ROUTING_PORT", 8081);
        int historyPort = intEnv(env, "IM_HISTORY_PORT", 8082);
        int mediaPort = intEnv(env, "IM_MEDIA_PORT", 8083);
        String demo = env.get("IM_DEMO_DIR");
        Path demoPath = demo == null || demo.isBlank() ? root.resolve("clients/js/dist/demo") : Path.of(demo);
        this.demoDir = Files.isRegularFile(demoPath.resolve("index.html")) ? demoPath.toAbsolutePath() : null;
        // Services that call each other by URL call the first instance: the calls are internal look-ups (gateway ->
        // history and media, history -> routing), and apps reach media's signed URLs through the first gateway.
        List<Service> all = new ArrayList<>();
        for (int i = 0; i < topology.gateways(); i++) {
            Map<String, String> gateway = with(Map.of(), "im.gateway.node-id", "gw-" + (i + 1), "im.gateway.node-slot",
                    String.valueOf(i), "im.gateway.history-url", "http://localhost:" + historyPort,
                    "im.gateway.media-url", "http://localhost:" + mediaPort);
            if (demoDir != null) {
                gateway = with(gateway, "im.gateway.demo-dir", demoDir.toString());
            }
            all.add(instance("gateway", i, topology.gateways(), gatewayPort, gateway));
        }
        for (int i = 0; i < topology.routers(); i++) {
            all.add(instance("routing", i, topology.routers(), routingPort, Map.of()));
        }
        for (int i = 0; i < topology.history(); i++) {
            all.add(instance("history", i, topology.history(), historyPort, with(database(), "im.history.routing-url",
                    "http://localhost:" + routingPort)));
        }
        all.add(new Service("media", "media", mediaPort, with(database(), "im.media.storage-dir",
                data.resolve("media").toString(), "im.media.public-url", "http://localhost:" + gatewayPort)));
        all.add(new Service("push", "push", intEnv(env, "IM_PUSH_PORT", 8084), Map.of()));
        this.services = List.copyOf(all);
        Map<Integer, String> ports = new LinkedHashMap<>();
        ports.put(kafkaPort, "Kafka");
        ports.put(controllerPort, "Kafka controller");
        ports.put(pgPort, "PostgreSQL");
        for (Service service : services) {
            String other = ports.put(service.port(), service.name());
            if (other != null) {
                throw new StartupException("port " + service.port() + " is given to both " + other + " and "
                        + service.name() + ": move a base port (IM_*_PORT; instance i listens on base + "
                        + PORT_STEP + "*i)");
            }
        }
    }

    /** Instance {@code i} of {@code count}: named {@code kind-<i+1>} when there are several, on base port + 10·i. */
    private static Service instance(String kind, int i, int count, int basePort, Map<String, String> properties) {
        return new Service(kind, count == 1 ? kind : kind + "-" + (i + 1), basePort + PORT_STEP * i, properties);
    }

    List<Service> services() {
        return services;
    }

    public static void main(String[] args) {
        Path root = Path.of(System.getProperty("im.root", ".")).toAbsolutePath().normalize();
        LocalStack stack;
        try {
            if (args.length > 0 && ("-h".equals(args[0]) || "--help".equals(args[0]))) {
                System.out.println(Topology.USAGE);
                return;
            }
            stack = new LocalStack(root, System.getenv(), Topology.parse(args));
        } catch (StartupException e) {
            System.err.println("im: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stack::stop, "im-local-stop"));
        try {
            stack.start();
        } catch (StartupException e) {
            System.err.println();
            System.err.println("im: " + e.getMessage());
            System.exit(1);
        } catch (RuntimeException | IOException | SQLException e) {
            LOG.error("cannot start the local stack", e);
            System.exit(1);
        }
        stack.printSummary();
        stack.watch();
    }

    private void start() throws IOException, SQLException {
        checkJars();
        checkPorts();
        for (Path dir : List.of(logs, data.resolve("media"), data.resolve("tmp"))) {
            Files.createDirectories(dir);
        }
        Path secretFile = JwtSecret.file(data);
        boolean newSecret = !Files.exists(secretFile);
        String secret = JwtSecret.loadOrCreate(secretFile);
        LOG.info("JWT secret: {} ({})", secretFile, newSecret ? "generated" : "reused");
        startKafka();
        startPostgres();
        for (Service service : services) {
            launch(service, secret);
        }
        awaitReady();
    }

    private void checkJars() {
        List<String> missing = services.stream().map(this::jar).distinct().filter(jar -> !Files.isRegularFile(jar))
                .map(jar -> root.relativize(jar).toString()).toList();
        if (!missing.isEmpty()) {
            throw new StartupException("service jars missing: " + String.join(", ", missing)
                    + "\n    build first: ./im start builds when a jar is missing (or run ./mvnw -DskipTests install;"
                    + " IM_REBUILD=1 ./im start forces a rebuild)");
        }
    }

    private void checkPorts() {
        Map<Integer, String> ports = new LinkedHashMap<>();
        ports.put(kafkaPort, "Kafka");
        ports.put(controllerPort, "Kafka controller");
        ports.put(pgPort, "PostgreSQL");
        services.forEach(service -> ports.put(service.port(), service.name()));
        List<String> busy = new ArrayList<>();
        ports.forEach((port, what) -> {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(port));
            } catch (IOException e) {
                busy.add(port + " (" + what + ")");
            }
        });
        if (!busy.isEmpty()) {
            throw new StartupException("ports in use: " + String.join(", ", busy)
                    + "\n    is a local stack from an earlier run still up? Stop it (Ctrl-C), or look with"
                    + " `pgrep -af quarkus-run.jar` and `ss -ltnp`." + stalePostgresHint()
                    + "\n    Kafka and PostgreSQL ports can be moved with IM_KAFKA_PORT and IM_PG_PORT.");
        }
    }

    private String stalePostgresHint() {
        Path pid = data.resolve("postgres").resolve("postmaster.pid");
        try {
            if (Files.isRegularFile(pid)) {
                return "\n    .data/postgres/postmaster.pid names a PostgreSQL that may still run: kill "
                        + Files.readAllLines(pid).get(0).strip();
            }
        } catch (IOException | IndexOutOfBoundsException e) {
            return "";
        }
        return "";
    }

    private void startKafka() {
        Path dir = data.resolve("kafka");
        boolean reused = Files.exists(dir.resolve("meta.properties"));
        LOG.info("Kafka: starting on localhost:{} (controller {}), log dir {} ({})", kafkaPort, controllerPort, dir,
                reused ? "reused" : "new");
        synchronized (this) {
            ensureRunning();
            kafka = EmbeddedKafka.start(dir, kafkaPort, controllerPort);
        }
        List<Topics.Spec> specs = Topics.specs(8, Topics.DEFAULT_GATEWAY_SLOTS);
        List<String> created = kafka.createTopics(specs);
        if (created.isEmpty()) {
            LOG.info("Kafka topics: all {} exist already", specs.size());
        } else {
            LOG.info("Kafka topics created: {}", String.join(", ", created));
        }
    }

    private void startPostgres() throws IOException, SQLException {
        Path dir = data.resolve("postgres");
        boolean reused = Files.exists(dir.resolve("PG_VERSION"));
        Path log = logs.resolve("postgres.log");
        LOG.info("PostgreSQL: starting on localhost:{}, data {} ({})", pgPort, dir, reused ? "reused" : "new");
        synchronized (this) {
            ensureRunning();
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            pgSettings.forEach(builder::setServerConfig);
            postgres = builder.setDataDirectory(dir).setCleanDataDirectory(false).setPort(pgPort)
                    .setRegisterShutdownHook(false).setPGStartupWait(Duration.ofSeconds(60))
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        }
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            try (ResultSet rs = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                if (rs.next()) {
                    LOG.info("PostgreSQL: database {} exists", DATABASE);
                    return;
                }
            }
            statement.execute("CREATE DATABASE " + DATABASE);
            LOG.info("PostgreSQL: database {} created", DATABASE);
        }
    }

    /** {@code name=value,name=value} as server settings; a part without {@code =} stops the start with its reason. */
    static Map<String, String> pgSettings(String spec) {
        try {
            return EmbeddedPg.settings(spec);
        } catch (IllegalArgumentException e) {
            throw new StartupException(e.getMessage());
        }
    }

    private void launch(Service service, String secret) throws IOException {
        Path log = logs.resolve(service.name() + ".log");
        if (Files.exists(log)) {
            Files.move(log, logs.resolve(service.name() + ".log.1"), StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dquarkus.profile=local", "-Djava.io.tmpdir=" + data.resolve("tmp"),
                "-Dquarkus.http.port=" + service.port(), "-Dquarkus.http.host=127.0.0.1",
                "-Dkafka.bootstrap.servers=localhost:" + kafkaPort));
        service.properties().forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar(service).toString());
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        // the secret goes in the environment, not on the command line that ps shows to every user
        builder.environment().put(JwtSecret.ENV, secret);
        LAUNCHER_ENV.forEach(builder.environment()::remove);
        synchronized (this) {
            ensureRunning();
            processes.put(service, builder.start());
        }
        LOG.info("{}: starting on port {}, log {}", service.describe(), service.port(), log);
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        long started = System.nanoTime();
        for (Service service : services) {
            Process process = processes.get(service);
            while (!ready(service)) {
                ensureRunning();
                if (!process.isAlive()) {
                    sleep(DEATH_GRACE);
                    ensureRunning();
                    throw new StartupException(service.describe() + " exited during startup (exit code "
                            + process.exitValue() + ")" + tailOf(service));
                }
                if (System.nanoTime() > deadline) {
                    throw new StartupException(service.describe() + " not ready after " + READY_TIMEOUT.toSeconds()
                            + " s (" + service.healthUrl() + ")" + tailOf(service));
                }
                sleep(Duration.ofMillis(500));
            }
            LOG.info("{}: ready after {} s at {}", service.name(), (System.nanoTime() - started) / 1_000_000_000,
                    service.healthUrl());
        }
    }

    private boolean ready(Service service) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(service.healthUrl())).timeout(Duration.ofSeconds(5))
                .GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted");
        }
    }

    private void printSummary() {
        Service gateway = services.get(0);
        String base = "localhost:" + gateway.port();
        StringBuilder out = new StringBuilder();
        out.append("\nIM local stack is up.\n");
        out.append(String.format("  %-16s http://%s%n", "Gateway", base));
        out.append(String.format("  %-16s ws://%s/v1/ws%n", "WebSocket", base));
        if (demoDir != null) {
            out.append(String.format("  %-16s http://%s/demo/%n", "Demo app", base));
        }
        long gateways = services.stream().filter(service -> "gateway".equals(service.kind())).count();
        if (gateways > 1) {
            out.append(String.format("  %-16s %s (any node; each has its own delivery slot)%n", "All gateways",
                    String.join(", ", services.stream().filter(service -> "gateway".equals(service.kind()))
                            .map(service -> "http://localhost:" + service.port()).toList())));
        }
        for (Service service : services) {
            out.append(String.format("  %-16s %s%n", service.name() + " ready", service.healthUrl()));
        }
        out.append(String.format("  %-16s localhost:%d%n", "Kafka", kafkaPort));
        out.append(String.format("  %-16s %s (user %s)%n", "PostgreSQL", jdbcUrl(), DB_USER));
        out.append(String.format("  %-16s %s (reset: stop, then rm -rf .data)%n", "Data", data));
        out.append(String.format("  %-16s %s/<service>.log (postgres.log too)%n", "Logs", logs));
        out.append("\nTry it:\n");
        out.append("  TOKEN=$(./im token alice)\n");
        out.append("  websocat \"ws://").append(base).append("/v1/ws?token=$TOKEN\"    # or any WebSocket client\n");
        out.append("  curl -s -X POST http://").append(base)
                .append("/v1/auth/token -H 'Content-Type: application/json' -d '{\"userId\":\"bob\"}'\n");
        out.append("\nCtrl-C stops everything.\n");
        System.out.print(out);
        System.out.flush();
    }

    /** Blocks while the services run; a service that dies on its own takes the whole stack down with it. */
    private void watch() {
        while (true) {
            sleep(Duration.ofMillis(500));
            for (Map.Entry<Service, Process> entry : processes.entrySet()) {
                Process process = entry.getValue();
                if (stopping || process.isAlive()) {
                    continue;
                }
                // a Ctrl-C reaches the children too: give the shutdown hook a moment to say this is a stop
                sleep(DEATH_GRACE);
                if (stopping) {
                    return;
                }
                Service service = entry.getKey();
                System.err.println("\nim: " + service.describe() + " exited unexpectedly (exit code " + process.exitValue()
                        + ")" + tailOf(service));
                System.err.println("im: stopping everything");
                System.exit(1);
            }
        }
    }

    private synchronized void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        if (processes.isEmpty() && postgres == null && kafka == null) {
            return;
        }
        if (!processes.isEmpty()) {
            LOG.info("Stopping services...");
        }
        long stopStarted = System.nanoTime();
        processes.forEach((service, process) -> {
            // how long each service takes to stop gracefully (SIGTERM to exit) is in the log: the target is 5 s
            process.onExit().thenRun(() -> LOG.info("{}: stopped in {} ms", service.name(),
                    (System.nanoTime() - stopStarted) / 1_000_000));
            process.destroy();
        });
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        processes.forEach((service, process) -> {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!process.waitFor(left, TimeUnit.NANOSECONDS)) {
                    LOG.warn("{} did not stop within {} s: killing it", service.name(), STOP_TIMEOUT.toSeconds());
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        });
        if (postgres != null && !Files.exists(data.resolve("postgres").resolve("postmaster.pid"))) {
            LOG.info("PostgreSQL stopped already");
        } else if (postgres != null) {
            LOG.info("Stopping PostgreSQL...");
            try {
                postgres.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("PostgreSQL did not stop cleanly: {}", e.getMessage());
            }
        }
        if (kafka != null) {
            LOG.info("Stopping Kafka...");
            try {
                kafka.close();
            } catch (RuntimeException e) {
                LOG.warn("Kafka did not stop cleanly: {}", e.getMessage());
            }
        }
        LOG.info("Stopped; data kept in {}", data);
    }

    private void ensureRunning() {
        if (stopping) {
            throw new StartupException("stopped during startup");
        }
    }

    private String tailOf(Service service) {
        Path log = logs.resolve(service.name() + ".log");
        return "\n--- last lines of " + log + " ---\n" + tail(log, TAIL_LINES) + "--- end of " + log.getFileName() + " ---";
    }

    /** The last {@code lines} lines of a file, read from its end so a large log costs nothing. */
    static String tail(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return "(no log)\n";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            int size = (int) Math.min(length, 64 * 1024);
            byte[] bytes = new byte[size];
            in.seek(length - size);
            in.readFully(bytes);
            String[] all = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
            int end = all.length > 0 && all[all.length - 1].isEmpty() ? all.length - 1 : all.length;
            int from = Math.max(size < length ? 1 : 0, end - lines);
            StringBuilder out = new StringBuilder();
            for (int i = from; i < end; i++) {
                out.append(all[i]).append('\n');
            }
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path jar(Service service) {
        return root.resolve(service.module()).resolve("target").resolve("quarkus-app").resolve("quarkus-run.jar");
    }

    /** The datasource settings of the services that keep tables (each in its own schema of one database). */
    private Map<String, String> database() {
        return Map.of("quarkus.datasource.jdbc.url", jdbcUrl(), "quarkus.datasource.username", DB_USER,
                "quarkus.datasource.password", DB_USER);
    }

    private static Map<String, String> with(Map<String, String> base, String... pairs) {
        Map<String, String> all = new LinkedHashMap<>(base);
        for (int i = 0; i < pairs.length; i += 2) {
            all.put(pairs[i], pairs[i + 1]);
        }
        return all;
    }

    private String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + pgPort + "/" + DATABASE;
    }

    private static int intEnv(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new StartupException(name + " must be a port number, not " + value);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted");
        }
    }
}
