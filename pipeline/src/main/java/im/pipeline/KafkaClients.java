package im.pipeline;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.smallrye.common.annotation.Identifier;

/**
 * The service's Kafka clients, configured once from its {@code kafka.*} properties (Quarkus' {@code default-kafka-broker}
 * map: bootstrap servers and, in production, the security settings): named producers, and consumer loops that carry the
 * failure policy, dead-letter through the {@code reliable} producer and report to readiness ({@link PipelineHealth}).
 * Everything is closed when the service stops: loops first (they commit what is done), then producers (they flush).
 */
@ApplicationScoped
public class KafkaClients {
    /** The producer of records that must not be lost: acks=all, idempotent. Dead letters go through it too. */
    public static final String RELIABLE = "reliable";
    /** How long a producer waits to fill a batch unless {@code kafka.linger.ms} says otherwise. */
    public static final int DEFAULT_LINGER_MS = 2;
    /** A record handed over after this long without one, to a producer with nothing in flight, is sent at once. */
    static final Duration IDLE_AFTER = Duration.ofMillis(5);
    /** How long a stopping service waits for its loops (their batches in progress, final commits, leaving the group). */
    static final Duration LOOPS_STOP_WITHIN = Duration.ofMillis(3_500);
    /** How long each producer may take to send what it still buffers when the service stops. */
    static final Duration PRODUCER_CLOSE_WITHIN = Duration.ofMillis(500);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    MeterRegistry metrics;

    @Inject
    Tracing tracing;

    @ConfigProperty(name = "quarkus.application.name")
    String application;

    /**
     * Whether a record handed to an idle producer (nothing in flight, none handed over for {@link #IDLE_AFTER}) is sent at
     * once rather than after {@code linger.ms} ({@link KafkaSender}): one message at a time skips the linger at every
     * hop; under load the linger batches as before.
     */
    @ConfigProperty(name = "im.kafka.send-when-idle", defaultValue = "true")
    boolean sendWhenIdle;

    private final Map<String, KafkaSender> producers = new ConcurrentHashMap<>();
    private final Map<String, Admin> admins = new ConcurrentHashMap<>();
    private final List<KafkaClientMetrics> producerMetrics = new CopyOnWriteArrayList<>();
    private final List<ConsumerLoop> loops = new CopyOnWriteArrayList<>();

    /** The service's Kafka settings, as every client starts from them. */
    public Map<String, Object> config() {
        Map<String, Object> config = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            // the map holds Quarkus' own kafka.* keys too; clients get what is theirs
            if (!key.startsWith("health") && !key.startsWith("devservices") && !key.startsWith("snappy")) {
                config.put(key, value);
            }
        });
        return config;
    }

    /** The {@link #RELIABLE} producer. */
    public KafkaSender reliable() {
        return producer(RELIABLE, Map.of());
    }

    /**
     * A named producer (created once): String keys, byte[] values, acks=all and idempotence unless {@code overrides} say
     * otherwise.
     */
    public KafkaSender producer(String name, Map<String, Object> overrides) {
        return producers.computeIfAbsent(name, n -> {
            Map<String, Object> config = config();
            config.put("client.id", application + "-" + n);
            config.put("acks", "all");
            config.put("enable.idempotence", true);
            config.putIfAbsent("linger.ms", DEFAULT_LINGER_MS); // kafka.linger.ms in the service's configuration wins
            config.put("key.serializer", StringSerializer.class.getName());
            config.put("value.serializer", ByteArraySerializer.class.getName());
            config.putAll(overrides);
            KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config);
            KafkaClientMetrics binder = new KafkaClientMetrics(producer);
            binder.bindTo(metrics);
            producerMetrics.add(binder);
            return new KafkaSender(producer, tracing, sendWhenIdle ? application + "-" + n + "-idle-flush" : null,
                    IDLE_AFTER);
        });
    }

    /** Dead letters of one consumer, through the {@link #RELIABLE} producer. */
    public DeadLetters deadLetters(String loopName) {
        return new DeadLetters(reliable(), application + "/" + loopName);
    }

    /**
     * Options for a consumer loop named {@code name}: the service's settings, its dead letters and metrics. Build and
     * {@link #register(ConsumerLoop) register} it, then start it.
     */
    public ConsumerLoop.Options loop(String name) {
        Map<String, Object> config = config();
        config.put("client.id", application + "-" + name);
        return new ConsumerLoop.Options(name).config(config).deadLetters(deadLetters(name)).metrics(metrics);
    }

    /** Builds, registers (readiness, shutdown) and starts a loop. */
    public ConsumerLoop start(ConsumerLoop.Options options) {
        ConsumerLoop loop = options.build();
        loops.add(loop);
        return loop.start();
    }

    /** The loops of this service, for readiness. */
    public List<ConsumerLoop> loops() {
        return List.copyOf(loops);
    }

    /**
     * An Admin client named {@code <application>-<name>}, built once from the service's Kafka settings (security
     * included) with short timeouts (requests 3 s, calls 5 s): for readings taken on a schedule, which would rather skip
     * one than wait. Closed when the service stops.
     */
    public Admin admin(String name) {
        return admins.computeIfAbsent(name, n -> {
            Map<String, Object> config = config();
            config.put(AdminClientConfig.CLIENT_ID_CONFIG, application + "-" + n);
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
            config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
            return Admin.create(config);
        });
    }

    @PreDestroy
    void close() {
        // every loop told first, then waited for: they stop side by side, so a service with eight loops stops in the
        // time of its slowest one (a few hundred milliseconds when Kafka is there), not of all eight in turn
        loops.forEach(ConsumerLoop::stop);
        long deadline = System.nanoTime() + LOOPS_STOP_WITHIN.toNanos();
        for (ConsumerLoop loop : loops) {
            loop.awaitStopped(Duration.ofNanos(deadline - System.nanoTime()));
        }
        for (KafkaSender sender : producers.values()) {
            try {
                // sends what is buffered; what Kafka does not take within the time fails its callers, who did not ack it
                sender.producer().close(PRODUCER_CLOSE_WITHIN);
            } catch (RuntimeException e) {
                // closing anyway
            }
            sender.close();
        }
        producerMetrics.forEach(KafkaClientMetrics::close);
        admins.values().forEach(admin -> admin.close(Duration.ofMillis(500)));
    }
}
