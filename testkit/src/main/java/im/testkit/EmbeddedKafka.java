package im.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

import im.protocol.Topics;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;

/**
 * A real Apache Kafka broker (KRaft, one node acting as broker and controller) started in this JVM from the Maven Central
 * jars. Used by the tests (one shared broker per test JVM) and by the local stack (data kept under {@code .data/kafka}).
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static EmbeddedKafka shared;

    private final String bootstrapServers;
    private final Path logDir;
    private final int port;
    private final int controllerPort;
    private final Map<String, String> overrides;
    private KafkaRaftServer server;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers, Path logDir, int port, int controllerPort,
            Map<String, String> overrides) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.logDir = logDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.overrides = overrides;
    }

    /**
     * Starts a broker on {@code port} (controller on {@code controllerPort}) with its log in {@code logDir}. An existing,
     * formatted log directory is reused, so a second start keeps the topics and records of the first.
     */
    public static EmbeddedKafka start(Path logDir, int port, int controllerPort) {
        return start(logDir, port, controllerPort, Map.of());
    }

    /**
     * A broker as deployments run it with authentication: clients authenticate with SASL/SCRAM-SHA-512 on
     * {@code saslPort} and the StandardAuthorizer applies ACLs; {@code port} stays a PLAINTEXT listener whose anonymous
     * clients are super users — the setup listener, which deployments bind to the broker's loopback only (compose) for
     * creating topics, users and ACLs. {@link #bootstrapServers()} is that setup listener.
     */
    public static EmbeddedKafka startSecured(Path logDir, int port, int saslPort, int controllerPort) {
        return start(logDir, port, controllerPort, Map.of(
                "listeners", "PLAINTEXT://localhost:" + port + ",SASL://localhost:" + saslPort + ",CONTROLLER://localhost:"
                        + controllerPort,
                "advertised.listeners", "PLAINTEXT://localhost:" + port + ",SASL://localhost:" + saslPort,
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.sasl.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users", "User:ANONYMOUS"));
    }

    private static EmbeddedKafka start(Path logDir, int port, int controllerPort, Map<String, String> overrides) {
        try {
            Files.createDirectories(logDir);
            Properties props = brokerProperties(logDir, port, controllerPort, overrides);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(props, logDir);
            }
            return new EmbeddedKafka(launch(props), "localhost:" + port, logDir, port, controllerPort, overrides);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KafkaRaftServer launch(Properties props) {
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        server.startup();
        return server;
    }

    /**
     * Stops the broker and starts it again on the same ports with the same log (a broker restart, for fault-injection
     * tests); clients see it go away and come back.
     */
    public synchronized void restart() {
        server.shutdown();
        server.awaitShutdown();
        server = launch(brokerProperties(logDir, port, controllerPort, overrides));
    }

    /**
     * The broker of this JVM: started on first use on free ports in a fresh temporary directory, with every topic of the
     * contract created, and stopped when the JVM exits.
     */
    public static synchronized EmbeddedKafka shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("im-kafka-");
                shared = start(dir, FreePorts.next(), FreePorts.next());
                shared.createTopics(Topics.specs(4, Topics.DEFAULT_GATEWAY_SLOTS));
                EmbeddedKafka broker = shared;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    broker.close();
                    Files2.deleteTree(dir);
                }, "im-kafka-stop"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path logDir() {
        return logDir;
    }

    /** Creates the topics that do not exist yet with their documented settings; existing ones are left as they are. */
    public List<String> createTopics(List<Topics.Spec> specs) {
        try (Admin admin = admin()) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (Topics.Spec spec : specs) {
                if (!existing.contains(spec.name())) {
                    missing.add(new NewTopic(spec.name(), spec.partitions(), (short) 1).configs(spec.configs()));
                }
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topics: " + e.getMessage(), e);
        }
    }

    /** An admin client for this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    @Override
    public synchronized void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private static Properties brokerProperties(Path logDir, int port, int controllerPort, Map<String, String> overrides) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.bootstrap.servers", "localhost:" + controllerPort);
        props.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toAbsolutePath().toString());
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("log.cleaner.backoff.ms", "5000");
        props.putAll(fromEnvironment(System.getenv()));
        props.putAll(overrides);
        return props;
    }

    /** Environment variables that set broker properties: {@code IM_KAFKA_BROKER_NUM_IO_THREADS=2} sets {@code num.io.threads}. */
    public static final String ENV_PREFIX = "IM_KAFKA_BROKER_";

    /**
     * The broker properties that {@code env} sets (see {@link #ENV_PREFIX}): the rest of the name in lower case, its
     * underscores made dots, as the Kafka container images read {@code KAFKA_*}.
     */
    static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> settings = new TreeMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
                settings.put(name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return settings;
    }

    private static void format(Properties props, Path logDir) throws IOException {
        Path config = logDir.resolve("..").resolve(logDir.getFileName() + "-format.properties").normalize();
        try (OutputStream out = Files.newOutputStream(config)) {
            props.store(out, "im embedded broker");
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int rc = StorageTool.execute(new String[]{"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(),
                "--standalone", "--ignore-formatted"}, new PrintStream(output, true, StandardCharsets.UTF_8));
        Files.deleteIfExists(config);
        if (rc != 0) {
            throw new IllegalStateException("kafka storage format failed: " + output.toString(StandardCharsets.UTF_8));
        }
    }
}
