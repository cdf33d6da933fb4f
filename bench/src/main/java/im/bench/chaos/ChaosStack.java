package im.bench.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import im.testkit.EmbeddedPg;
import im.testkit.FreePorts;
import im.testkit.ServiceProcess;

/**
 * The system under test, all of it the harness's own under {@code .data/chaos-*}: the Kafka broker in a child JVM (so it
 * can be stopped, killed and started again on the same ports and log directory), PostgreSQL (zonky), routing, history
 * and two gateway nodes as the packaged jars with the local stack's settings. Every process can be killed and started
 * again with exactly the settings it had. Logs stay in {@code logs/} after the run; the data is deleted.
 */
final class ChaosStack implements AutoCloseable {
    static final String SERVICE_HEAP = "-Xmx512m";
    static final String BROKER_HEAP = "-Xmx1g";
    static final int MESSAGE_PARTITIONS = 8;
    /** The gateways' per-user send rate during the run (the default is 10/s): a resend must never be rate limited. */
    static final int SEND_RATE = 1_000_000;
    static final Duration READY = Duration.ofSeconds(180);

    /** One service process and how to start it again. */
    static final class Service {
        final String name;
        final String module;
        final int port;
        final Map<String, String> properties;
        volatile ServiceProcess process;
        int starts;

        Service(String name, String module, int port, Map<String, String> properties) {
            this.name = name;
            this.module = module;
            this.port = port;
            this.properties = properties;
        }

        String url() {
            return "http://127.0.0.1:" + port;
        }
    }

    final Path root;
    final Path jars;
    final Path work;
    final Path logs;
    final String secret = "chaos-" + UUID.randomUUID() + "-" + UUID.randomUUID();
    final int kafkaPort = FreePorts.next();
    final int controllerPort = FreePorts.next();
    final String bootstrap = "localhost:" + kafkaPort;
    final Map<String, Service> services = new LinkedHashMap<>();
    final List<Service> gateways = new ArrayList<>();
    /** Every service process ever started, so that none outlives the run. */
    private final List<ServiceProcess> launched = new CopyOnWriteArrayList<>();
    private EmbeddedPg pg;
    private volatile Process broker;
    private int brokerStarts;

    private ChaosStack(Path root, Path work) {
        this.root = root;
        this.jars = Path.of(System.getProperty("im.bench.services", root.toString())).toAbsolutePath().normalize();
        this.work = work;
        this.logs = work.resolve("logs");
    }

    static ChaosStack start(Path root) throws IOException {
        Files.createDirectories(root.resolve(".data"));
        ChaosStack stack = new ChaosStack(root, Files.createTempDirectory(root.resolve(".data"), "chaos-"));
        try {
            stack.startAll();
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    private void startAll() {
        startBroker();
        pg = EmbeddedPg.start(work.resolve("pg"), FreePorts.next());
        int routingPort = FreePorts.next();
        int historyPort = FreePorts.next();
        Map<String, String> common = new LinkedHashMap<>();
        common.put("quarkus.profile", "local");
        common.put("kafka.bootstrap.servers", bootstrap);
        common.put("im.jwt.secret", secret);
        common.put("java.io.tmpdir", work.toString());
        Map<String, String> history = new LinkedHashMap<>(common);
        history.put("quarkus.datasource.jdbc.url", pg.jdbcUrl());
        history.put("quarkus.datasource.username", pg.username());
        history.put("quarkus.datasource.password", pg.password());
        history.put("im.history.routing-url", "http://localhost:" + routingPort);
        add(new Service("routing", "routing-service", routingPort, common));
        add(new Service("history", "history-service", historyPort, history));
        for (int slot = 0; slot < 2; slot++) {
            Map<String, String> gw = new LinkedHashMap<>(common);
            gw.put("im.gateway.node-id", "gw-" + (slot + 1));
            gw.put("im.gateway.node-slot", String.valueOf(slot));
            gw.put("im.gateway.history-url", "http://localhost:" + historyPort);
            gw.put("im.gateway.send-rate-per-second", String.valueOf(SEND_RATE));
            Service gateway = new Service("gw-" + (slot + 1), "gateway-service", FreePorts.next(), gw);
            add(gateway);
            gateways.add(gateway);
        }
        services.values().forEach(this::launch);
        services.values().parallelStream().forEach(s -> s.process.awaitReady(READY));
    }

    private void add(Service service) {
        services.put(service.name, service);
    }

    private void launch(Service service) {
        service.starts++;
        service.process = ServiceProcess.start(jars, service.module, service.name, service.port, service.properties,
                logs.resolve(service.name + ".log"), SERVICE_HEAP);
        launched.add(service.process);
    }

    Service service(String name) {
        return services.get(name);
    }

    /** kill -9 of a service; returns its pid. */
    long kill(String name) {
        ServiceProcess process = services.get(name).process;
        long pid = process.pid();
        process.kill();
        return pid;
    }

    /**
     * Starts a service again with its settings and waits until it is ready; returns the new pid. A start that is not ready
     * in time is killed before this fails, so two processes never compete for one port.
     */
    long restart(String name) {
        Service service = services.get(name);
        launch(service);
        try {
            service.process.awaitReady(READY);
        } catch (RuntimeException e) {
            service.process.kill();
            throw e;
        }
        return service.process.pid();
    }

    /**
     * Each service's liveness and readiness ({@code /q/health/live}, {@code /q/health/ready}): "UP", or what is DOWN
     * with the reason of each failed check (shortened).
     */
    Map<String, String> health() {
        Map<String, String> health = new LinkedHashMap<>();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        ObjectMapper json = new ObjectMapper();
        for (Service service : services.values()) {
            List<String> parts = new ArrayList<>();
            for (String kind : List.of("live", "ready")) {
                try {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(service.url()
                            + "/q/health/" + kind)).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    JsonNode body = json.readTree(response.body());
                    if ("UP".equals(body.path("status").asText())) {
                        parts.add(kind + " UP");
                        continue;
                    }
                    List<String> down = new ArrayList<>();
                    for (JsonNode check : body.path("checks")) {
                        if (!"UP".equals(check.path("status").asText())) {
                            check.path("data").fields().forEachRemaining(field -> {
                                if (field.getValue().asText().startsWith("[KO]")) {
                                    String reason = field.getValue().asText();
                                    down.add(field.getKey() + " " + (reason.length() > 160
                                            ? reason.substring(0, 160) + "…"
                                            : reason));
                                }
                            });
                            if (down.isEmpty()) {
                                down.add(check.path("name").asText());
                            }
                        }
                    }
                    parts.add(kind + " DOWN (" + String.join(", ", down) + ")");
                } catch (Exception e) {
                    parts.add(kind + " not answering");
                }
            }
            health.put(service.name, service.name + ": " + String.join(", ", parts));
        }
        return health;
    }

    long pid(String name) {
        return services.get(name).process.pid();
    }

    private void startBroker() {
        Path ready = work.resolve("broker.ready");
        try {
            Files.deleteIfExists(ready);
            Files.createDirectories(logs);
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    BROKER_HEAP, "-Djava.io.tmpdir=" + work, "-cp", System.getProperty("java.class.path"),
                    ChaosBroker.class.getName(), work.resolve("kafka").toString(), String.valueOf(kafkaPort),
                    String.valueOf(controllerPort), String.valueOf(MESSAGE_PARTITIONS), ready.toString());
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("broker.log").toFile())).start();
            broker = process;
            brokerStarts++;
            long deadline = System.nanoTime() + READY.toNanos();
            while (!Files.exists(ready)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the broker exited with " + process.exitValue() + "; see "
                            + logs.resolve("broker.log"));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker is not ready after " + READY.toSeconds() + " s");
                }
                process.waitFor(100, TimeUnit.MILLISECONDS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stops the broker: SIGTERM (its shutdown hook shuts Kafka down cleanly) or SIGKILL; returns the seconds it took to
     * exit. A broker that does not exit within 60 s after SIGTERM is killed.
     */
    double stopBroker(boolean kill) {
        Process process = broker;
        long t = System.nanoTime();
        try {
            if (kill) {
                process.destroyForcibly();
            } else {
                process.destroy();
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return (System.nanoTime() - t) / 1e9;
    }

    /** Starts the broker again on the same ports and log directory; returns its pid once the topics are there. */
    long restartBroker() {
        startBroker();
        return broker.pid();
    }

    long brokerPid() {
        return broker.pid();
    }

    String jdbcUrl() {
        return pg.jdbcUrl();
    }

    String dbUser() {
        return pg.username();
    }

    String dbPassword() {
        return pg.password();
    }

    int gatewayPort(int node) {
        return gateways.get(node).port;
    }

    String routingUrl() {
        return services.get("routing").url();
    }

    @Override
    public void close() {
        launched.parallelStream().filter(ServiceProcess::isAlive).forEach(p -> p.stop(Duration.ofSeconds(15)));
        if (pg != null) {
            try {
                pg.close();
            } catch (RuntimeException e) {
                System.err.println("PostgreSQL did not stop cleanly: " + e.getMessage());
            }
        }
        Process process = broker;
        if (process != null && process.isAlive()) {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (IOException e) {
                process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try (var children = Files.list(work)) {
            children.filter(child -> !child.equals(logs)).forEach(ChaosStack::deleteTree);
        } catch (IOException e) {
            System.err.println("could not clean " + work + ": " + e.getMessage());
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
