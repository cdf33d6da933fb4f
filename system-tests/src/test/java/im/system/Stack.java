package im.system;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import com.fasterxml.jackson.databind.JsonNode;

import im.protocol.ClientFrame;
import im.protocol.JsonCodec;
import im.testkit.EmbeddedKafka;
import im.testkit.EmbeddedPg;
import im.testkit.FreePorts;
import im.testkit.ServiceProcess;
import im.testkit.Tokens;
import im.testkit.WsClient;

/**
 * The packaged services as separate processes against one real broker: two routing instances (one consumer group), push,
 * history, media and two gateway nodes (slots 0 and 1), started once for all system tests of this JVM.
 */
final class Stack {
    /** media-service's key of download URLs: its own, never the token secret (the service refuses to start otherwise). */
    static final String MEDIA_URL_SECRET = "system-tests-media-url-secret-0123456789abcdef";

    static final HttpClient HTTP = HttpClient.newHttpClient();
    private static Stack instance;

    final EmbeddedKafka kafka = EmbeddedKafka.shared();
    final Path root = Path.of(System.getProperty("im.root", "..")).toAbsolutePath().normalize();
    final Path logs = root.resolve("system-tests/target/service-logs");
    final Map<String, ServiceProcess> services = new HashMap<>();
    /** Short, so that the system tests can see a recall refused as too late. */
    static final String REVOKE_WINDOW = "10s";
    /** The one word the gateways' moderation refuses (CONTENT_REJECTED). */
    static final String MODERATED_WORD = "contraband";
    final int routingPort = FreePorts.next();
    final int historyPort = FreePorts.next();
    final int mediaPort = FreePorts.next();
    /** Gateway 1's port is known before it starts: media's signed URLs point at it, as apps reach media through it. */
    final int gateway1Port = FreePorts.next();

    static synchronized Stack get() {
        if (instance == null) {
            instance = new Stack();
            instance.startAll();
            Runtime.getRuntime().addShutdownHook(new Thread(instance::stopAll, "stack-stop"));
        }
        return instance;
    }

    private void startAll() {
        List<CompletableFuture<ServiceProcess>> starting = new ArrayList<>();
        starting.add(CompletableFuture.supplyAsync(() -> startRouting("routing")));
        starting.add(CompletableFuture.supplyAsync(() -> startRouting("routing-2")));
        starting.add(CompletableFuture.supplyAsync(() -> start("push-service", "push", Map.of())));
        EmbeddedPg pg = EmbeddedPg.shared();
        starting.add(CompletableFuture.supplyAsync(() -> startHistory("history", Map.of())));
        starting.add(CompletableFuture.supplyAsync(() -> start("media-service", "media", Map.of(
                "quarkus.datasource.jdbc.url", pg.jdbcUrl(), "quarkus.datasource.username", pg.username(),
                "quarkus.datasource.password", pg.password(), "im.media.storage-dir",
                root.resolve("system-tests/target/media").toString(), "im.media.public-url",
                "http://localhost:" + gateway1Port))));
        starting.add(CompletableFuture.supplyAsync(() -> startGateway(1)));
        starting.add(CompletableFuture.supplyAsync(() -> startGateway(2)));
        starting.forEach(CompletableFuture::join);
    }

    ServiceProcess startRouting(String name) {
        return startRouting(name, Map.of());
    }

    /** A routing instance (group {@code routing}) with {@code extra} settings, e.g. Kafka client ones. */
    ServiceProcess startRouting(String name, Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(extra);
        props.put("im.routing.heartbeat-timeout", "4s");
        return start("routing-service", name, props);
    }

    /** A history instance (group {@code history}) on the shared PostgreSQL with {@code extra} settings. */
    ServiceProcess startHistory(String name, Map<String, String> extra) {
        EmbeddedPg pg = EmbeddedPg.shared();
        Map<String, String> props = new HashMap<>(extra);
        props.putAll(Map.of("quarkus.datasource.jdbc.url", pg.jdbcUrl(), "quarkus.datasource.username", pg.username(),
                "quarkus.datasource.password", pg.password(), "im.history.revoke-window", REVOKE_WINDOW,
                "im.history.routing-url", "http://localhost:" + routingPort));
        return start("history-service", name, props);
    }

    /** Kills a service (SIGKILL) and starts it again with the same settings; returns once it is ready. */
    ServiceProcess restart(String name) {
        ServiceProcess old = service(name);
        old.kill();
        return switch (name) {
            case "gateway-1" -> startGateway(1);
            case "gateway-2" -> startGateway(2);
            case "routing", "routing-2" -> startRouting(name);
            default -> throw new IllegalArgumentException("no restart for " + name);
        };
    }

    ServiceProcess startGateway(int node) {
        Map<String, String> settings = new HashMap<>(Map.of("im.gateway.node-id", "gw-" + node,
                "im.gateway.node-slot", String.valueOf(node - 1), "im.gateway.heartbeat-interval", "1s",
                "im.gateway.send-rate-per-second", "100000", "im.gateway.limits.groups-per-minute", "1000",
                "im.gateway.history-url", "http://localhost:" + historyPort,
                "im.gateway.media-url", "http://localhost:" + mediaPort, "im.gateway.revoke-window", REVOKE_WINDOW,
                "im.gateway.offline-grace", "1s", "im.moderation.words", MODERATED_WORD));
        // the send rate is raised so a test can send a thousand messages at once; such a burst on a busy CI box would
        // look like overload, and admission (covered by the gateway's own tests) would refuse some of it
        settings.put("im.gateway.overload.enabled", "false");
        return start("gateway-service", "gateway-" + node, settings);
    }

    private ServiceProcess start(String module, String name, Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(extra);
        props.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        props.put("im.jwt.secret", Tokens.DEV_SECRET);
        props.put("im.media.url-secret", MEDIA_URL_SECRET);
        props.put("java.io.tmpdir", root.resolve("system-tests/target/tmp").toString());
        int port = switch (name) {
            case "routing" -> routingPort;
            case "history" -> historyPort;
            case "media" -> mediaPort;
            case "gateway-1" -> gateway1Port;
            default -> services.containsKey(name) ? services.get(name).port() : FreePorts.next();
        };
        ServiceProcess process = ServiceProcess.start(root, module, name, port, props,
                logs.resolve(name + ".log"), "-Xmx384m", "-XX:+UseSerialGC");
        synchronized (services) {
            services.put(name, process);
        }
        return process.awaitReady(Duration.ofSeconds(120));
    }

    /** A user id no other test uses. */
    static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    /** A WebSocket to gateway {@code node}, open and registered (its ping answered). */
    WsClient connect(int node, String userId) {
        WsClient ws = WsClient.connect(gateway(node), Tokens.user(userId));
        String id = ws.send(ClientFrame.simple(ClientFrame.PING, null, null));
        ws.awaitFrame(f -> "pong".equals(WsClient.text(f, "op")) && id.equals(WsClient.text(f, "id")));
        return ws;
    }

    ServiceProcess service(String name) {
        synchronized (services) {
            return services.get(name);
        }
    }

    String gateway(int node) {
        return service("gateway-" + node).baseUrl();
    }

    private void stopAll() {
        List.copyOf(services.values()).parallelStream().forEach(p -> p.stop(Duration.ofSeconds(20)));
    }

    /** GET on routing's read-only tables. */
    JsonNode routing(String path) {
        try {
            return JsonCodec.tree(HTTP.send(HttpRequest.newBuilder(URI.create(service("routing").baseUrl() + path))
                    .header("Authorization", "Bearer " + Tokens.service("system-tests")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until routing sees {@code userId} connected on exactly {@code nodes} gateway nodes. */
    void awaitPresence(String userId, int nodes) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> routing("/v1/routing/presence/" + userId).get("nodes").size() == nodes);
    }

    /** Waits until routing sees {@code userId} in {@code roomId}. */
    void awaitInRoom(String roomId, String userId) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode room = routing("/v1/routing/rooms/" + roomId);
            for (JsonNode users : room) {
                for (JsonNode user : users) {
                    if (user.asText().equals(userId)) {
                        return true;
                    }
                }
            }
            return false;
        });
    }

    /**
     * A consumer group's committed offsets against the partitions' ends ({@code partition committed/end; …}), for failure
     * messages that must say which link of a chain stood still.
     */
    String groupLag(String groupId) {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            // every partition of the group's topics, also those it never committed (a partition it does not read)
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).all().get(10, TimeUnit.SECONDS)
                    .get(groupId);
            Set<String> topics = new TreeSet<>();
            committed.keySet().forEach(p -> topics.add(p.topic()));
            group.members().forEach(m -> m.assignment().topicPartitions().forEach(p -> topics.add(p.topic())));
            Map<TopicPartition, OffsetSpec> latest = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
            admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS)
                    .forEach((topic, description) -> description.partitions()
                            .forEach(p -> latest.put(new TopicPartition(topic, p.partition()),
                                    OffsetSpec.latest())));
            Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            StringBuilder out = new StringBuilder();
            latest.keySet().forEach(p -> {
                OffsetAndMetadata offset = committed.get(p);
                out.append(p).append(' ').append(offset == null ? "-" : offset.offset()).append('/')
                        .append(ends.get(p).offset()).append("; ");
            });
            out.append("members: ");
            group.members().forEach(m -> out.append(m.clientId()).append(' ').append(m.assignment().topicPartitions())
                    .append("; "));
            out.append("state ").append(group.groupState());
            return out.toString();
        } catch (Exception e) {
            return "lag of " + groupId + " unknown: " + e;
        }
    }

    /**
     * For failure messages about one consumer loop of a service: its metrics (records handled, record age, the Kafka
     * consumer's assigned partitions and per-partition lag and position) and its thread's stack right now (jcmd), so a
     * loop that stands still says whether it waits in its handler, in a poll, or reads nothing of a partition.
     */
    String loopState(String name, String loop) {
        StringBuilder out = new StringBuilder("metrics of ").append(loop).append(": ");
        try {
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(service(name).baseUrl() + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            metrics.lines().filter(line -> !line.startsWith("#") && line.contains(loop)
                    && (line.contains("im_pipeline") || line.contains("assigned_partitions") || line.contains("records_lag{")
                            || line.contains("_position") || line.contains("last_poll_seconds_ago")))
                    .forEach(line -> out.append(line).append("; "));
        } catch (Exception e) {
            out.append("unknown: ").append(e);
        }
        out.append("\nthread im-loop-").append(loop).append(": ");
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(service(name).pid()), "Thread.print").redirectErrorStream(true).start();
            String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(30, TimeUnit.SECONDS);
            int at = dump.indexOf("\"im-loop-" + loop + "\"");
            if (at < 0) {
                out.append("not found");
            } else {
                int end = dump.indexOf("\n\n", at);
                out.append(dump, at, end < 0 ? dump.length() : end);
            }
        } catch (Exception e) {
            out.append("unknown: ").append(e);
        }
        return out.toString();
    }

    /** The lines of a service's {@code /q/metrics} that name {@code metric}, for failure messages. */
    String metricLines(String name, String metric) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(service(name).baseUrl() + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body().lines()
                    .filter(line -> !line.startsWith("#") && line.startsWith(metric)).toList().toString();
        } catch (Exception e) {
            return "unknown: " + e;
        }
    }

    /** What a service's readiness check answers (its consumer loops and their state), for failure messages. */
    String readiness(String name) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(service(name).baseUrl() + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).body().replaceAll("\\s+", " ");
        } catch (Exception e) {
            return e.toString();
        }
    }

    void awaitRouting(String path, Predicate<JsonNode> condition) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> condition.test(routing(path)));
    }

    static HttpResponse<String> post(String url, String token, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JsonCodec.encode(body)));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JSON answer of the first gateway node to {@code userId}'s GET of {@code path}; fails unless it is 200. */
    JsonNode getJson(String userId, String path) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(gateway(1) + path))
                    .header("Authorization", "Bearer " + Tokens.user(userId)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError("GET " + path + ": " + response.statusCode() + " " + response.body());
            }
            return JsonCodec.tree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
