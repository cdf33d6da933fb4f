package im.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import im.deploy.KafkaAccess.Grant;

/**
 * The compose file and the Kubernetes manifests against the code: every environment variable a service gets is a
 * configuration key that service reads (its application.properties, its {@code @ConfigMapping}, service-edge's
 * defaults, a Kafka client setting, or Quarkus' port and datasource where the service has one); its HTTP port is the
 * one it listens on, in the container, the Service and the published port; every service URL names the service it is
 * for on that service's port; every secret a manifest reads is one the documented secrets provide; the Kafka users and
 * ACLs are exactly {@link KafkaAccess}, and each service logs in as its own principal; every pod stops behind a preStop
 * hook with a disruption budget. (Topics: {@link TopicListsTest}.)
 */
class ManifestsTest {
    private static final List<String> SERVICES = List.of("gateway", "routing", "history", "media", "push");
    private static final Pattern JAAS_USER = Pattern.compile("username=\"(\\w+)\" password=\"\\$\\{(\\w+):\\?\\}\"");
    private static final Pattern URL = Pattern.compile("http://([a-z-]+):(\\d+)");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(:[?-][^}]*)?}");

    private final YAMLMapper yaml = new YAMLMapper();

    @Test
    void composeServices_getOnlyKeysTheyRead_onTheirPorts() throws IOException {
        JsonNode services = compose().path("services");
        for (String service : SERVICES) {
            JsonNode definition = services.path(service);
            assertThat(definition.isMissingNode()).as("compose service %s", service).isFalse();
            Map<String, String> env = new LinkedHashMap<>();
            definition.path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            assertThat(env).as("%s gets the shared settings", service).containsKey("KAFKA_BOOTSTRAP_SERVERS");
            assertEnvironment("compose " + service, service, env);
            assertThat(env.get("QUARKUS_HTTP_PORT")).as("%s port", service).isEqualTo(String.valueOf(port(service)));
            List<String> ports = new ArrayList<>();
            definition.path("ports").forEach(p -> ports.add(p.asText()));
            String published = service.equals("gateway")
                    ? port(service) + ":" + port(service)
                    : "127.0.0.1:" + port(service) + ":" + port(service);
            assertThat(ports).as("%s publishes its port, internal services on loopback only", service)
                    .containsExactly(published);
            for (Map.Entry<String, String> e : env.entrySet()) {
                assertUrl("compose " + service + " " + e.getKey(), e.getKey(), e.getValue(), name -> port(name));
            }
            Matcher jaas = JAAS_USER.matcher(env.getOrDefault("KAFKA_SASL_JAAS_CONFIG", ""));
            assertThat(jaas.find()).as("%s logs in to Kafka", service).isTrue();
            assertThat(jaas.group(1)).as("%s's Kafka principal", service).isEqualTo(service);
            assertThat(jaas.group(2)).isEqualTo("IM_KAFKA_" + service.toUpperCase() + "_PASSWORD");
        }
        assertThat(services.path("postgres").path("ports").get(0).asText()).startsWith("127.0.0.1:");
        assertThat(services.path("kafka").path("ports").get(0).asText()).startsWith("127.0.0.1:");
    }

    @Test
    void composeSecrets_areAllMadeBySecretsScript() throws IOException {
        String file = Files.readString(Repo.root().resolve("deploy/compose/docker-compose.yml"));
        String script = Files.readString(Repo.root().resolve("deploy/compose/secrets"));
        Matcher variable = VARIABLE.matcher(file);
        Set<String> required = new TreeSet<>();
        while (variable.find()) {
            if (variable.group(2) == null || variable.group(2).startsWith(":?")) {
                required.add(variable.group(1));
            }
        }
        assertThat(required).isNotEmpty();
        for (String name : required) {
            assertThat(script).as("deploy/compose/secrets makes %s", name).containsPattern("\\b" + name + "\\b");
        }
    }

    @Test
    void composeKafkaSetup_grantsExactlyKafkaAccess() throws IOException {
        String setup = compose().at("/services/kafka-setup/command/0").asText();
        Set<String> users = new TreeSet<>();
        Set<Grant> grants = new HashSet<>();
        for (String line : setup.split("\n")) {
            String[] words = line.trim().split(" ");
            if (words[0].equals("user")) {
                users.add(words[1]);
                assertThat(words[2]).isEqualTo("\"$$IM_KAFKA_" + words[1].toUpperCase() + "_PASSWORD\"");
            } else if (words[0].equals("allow")) {
                grants.add(new Grant(words[1], KafkaAccess.Resource.valueOf(words[3].toUpperCase()), words[4],
                        KafkaAccess.Operation.valueOf(words[2].toUpperCase())));
            }
        }
        assertThat(users).containsExactlyInAnyOrderElementsOf(KafkaAccess.PRINCIPALS);
        assertThat(grants).containsExactlyInAnyOrderElementsOf(KafkaAccess.grants());
    }

    @Test
    void strimziUsers_grantExactlyKafkaAccess() throws IOException {
        Set<String> users = new TreeSet<>();
        Set<Grant> grants = new HashSet<>();
        for (JsonNode user : k8s("users.yaml")) {
            assertThat(user.path("kind").asText()).isEqualTo("KafkaUser");
            String name = user.at("/metadata/name").asText();
            users.add(name);
            assertThat(user.at("/spec/authentication/type").asText()).isEqualTo("scram-sha-512");
            for (JsonNode acl : user.at("/spec/authorization/acls")) {
                assertThat(acl.at("/resource/patternType").asText()).isEqualTo("literal");
                for (JsonNode operation : acl.path("operations")) {
                    grants.add(new Grant(name, KafkaAccess.Resource.valueOf(acl.at("/resource/type").asText()
                            .toUpperCase()), acl.at("/resource/name").asText(),
                            KafkaAccess.Operation.valueOf(operation.asText().toUpperCase())));
                }
            }
        }
        assertThat(users).containsExactlyInAnyOrderElementsOf(KafkaAccess.PRINCIPALS);
        assertThat(grants).containsExactlyInAnyOrderElementsOf(KafkaAccess.grants());
        JsonNode kafka = k8s("kafka.yaml").stream().filter(d -> d.path("kind").asText().equals("Kafka")).findFirst()
                .orElseThrow();
        assertThat(kafka.at("/spec/kafka/authorization/type").asText()).isEqualTo("simple");
        for (JsonNode listener : kafka.at("/spec/kafka/listeners")) {
            assertThat(listener.at("/authentication/type").asText()).as("listener %s", listener.path("name"))
                    .isEqualTo("scram-sha-512");
        }
    }

    @Test
    void kubernetesWorkloads_getOnlyKeysTheyRead_onTheirPorts_withTheirSecrets() throws IOException {
        Map<String, String> shared = new HashMap<>();
        for (JsonNode doc : k8s("config.yaml")) {
            doc.path("data").fields().forEachRemaining(e -> shared.put(e.getKey(), e.getValue().asText()));
        }
        Set<String> secretKeys = new HashSet<>();
        k8s("secrets.example.yaml").get(0).path("stringData").fieldNames().forEachRemaining(secretKeys::add);
        Map<String, Integer> servicePorts = new HashMap<>();
        Map<String, JsonNode> workloads = new HashMap<>();
        Set<String> budgets = new HashSet<>();
        for (JsonNode doc : Stream.concat(k8s("gateway.yaml").stream(), k8s("services.yaml").stream()).toList()) {
            String name = doc.at("/metadata/name").asText();
            switch (doc.path("kind").asText()) {
                case "Service" -> servicePorts.put(name, doc.at("/spec/ports/0/port").asInt());
                case "Deployment", "StatefulSet" -> workloads.put(name, doc);
                case "PodDisruptionBudget" -> budgets.add(doc.at("/spec/selector/matchLabels/app").asText());
                default -> {
                }
            }
        }
        assertThat(workloads.keySet()).containsExactlyInAnyOrderElementsOf(SERVICES);
        for (String service : SERVICES) {
            JsonNode pod = workloads.get(service).at("/spec/template/spec");
            JsonNode container = pod.at("/containers/0");
            assertThat(container.path("image").asText()).startsWith("im/" + service + "-service:");
            Map<String, String> env = new LinkedHashMap<>();
            for (JsonNode variable : container.path("env")) {
                String name = variable.path("name").asText();
                JsonNode secret = variable.at("/valueFrom/secretKeyRef");
                if (!secret.isMissingNode()) {
                    String secretName = secret.path("name").asText();
                    if (secretName.equals("im-secrets")) {
                        assertThat(secretKeys).as("%s reads im-secrets key", service).contains(secret.path("key")
                                .asText());
                    } else {
                        assertThat(secretName).as("%s's Kafka user secret", service).isEqualTo(service);
                        assertThat(secret.path("key").asText()).isEqualTo("sasl.jaas.config");
                        assertThat(name).isEqualTo("KAFKA_SASL_JAAS_CONFIG");
                    }
                    env.put(name, "(secret)");
                } else {
                    env.put(name, variable.path("value").asText());
                }
            }
            env.remove("POD_NAME"); // the downward API, for IM_GATEWAY_NODE_ID
            assertEnvironment("k8s " + service, service, env);
            assertThat(env).containsKey("KAFKA_SASL_JAAS_CONFIG");
            assertThat(env.get("QUARKUS_HTTP_PORT")).isEqualTo(String.valueOf(port(service)));
            assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(port(service));
            assertThat(servicePorts.get(service)).as("Service %s", service).isEqualTo(port(service));
            for (Map.Entry<String, String> e : env.entrySet()) {
                assertUrl("k8s " + service + " " + e.getKey(), e.getKey(), e.getValue(), servicePorts::get);
            }
            int preStop = container.at("/lifecycle/preStop/sleep/seconds").asInt();
            assertThat(preStop).as("%s preStop", service).isPositive();
            assertThat(pod.path("terminationGracePeriodSeconds").asInt()).as("%s grace: preStop + 5 s stop", service)
                    .isGreaterThanOrEqualTo(preStop + 5);
            assertThat(budgets).as("%s PodDisruptionBudget", service).contains(service);
        }
        for (Map.Entry<String, String> e : shared.entrySet()) {
            assertThat(SERVICES.stream().anyMatch(s -> knows(s, e.getKey()))).as("im-config %s is read by a service",
                    e.getKey()).isTrue();
        }
    }

    private void assertEnvironment(String where, String service, Map<String, String> env) {
        for (String name : env.keySet()) {
            assertThat(knows(service, name)).as("%s: %s is a key %s reads", where, name, service).isTrue();
        }
    }

    /** Whether {@code service} reads the configuration key whose environment form is {@code variable}. */
    private static boolean knows(String service, String variable) {
        if (variable.equals("JAVA_TOOL_OPTIONS")) {
            return true; // read by the JVM
        }
        if (variable.startsWith("KAFKA_")) {
            String property = variable.substring("KAFKA_".length()).toLowerCase().replace('_', '.');
            return ProducerConfig.configNames().contains(property) || ConsumerConfig.configNames().contains(property);
        }
        return keys(service).stream().anyMatch(key -> environmentName(key).equals(variable));
    }

    /** The keys a service reads: its properties (and what they refer to), its config mappings, service-edge's defaults. */
    private static Set<String> keys(String service) {
        Set<String> keys = new HashSet<>();
        try {
            Path module = Repo.root().resolve(service + "-service");
            for (Path properties : List.of(module.resolve("src/main/resources/application.properties"),
                    Repo.root().resolve("edge/src/main/resources/META-INF/microprofile-config.properties"))) {
                for (String line : Files.readAllLines(properties)) {
                    if (line.isBlank() || line.startsWith("#") || !line.contains("=")) {
                        continue;
                    }
                    String key = line.substring(0, line.indexOf('=')).trim();
                    keys.add(key.startsWith("%") ? key.substring(key.indexOf('.') + 1) : key);
                    Matcher ref = Pattern.compile("\\$\\{([\\w.-]+)").matcher(line);
                    while (ref.find()) {
                        keys.add(ref.group(1));
                    }
                }
            }
            try (Stream<Path> sources = Files.walk(module.resolve("src/main/java"))) {
                for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(source);
                    Matcher mapping = Pattern.compile("@ConfigMapping\\(prefix = \"([\\w.-]+)\"\\)").matcher(text);
                    if (mapping.find()) {
                        Matcher method = Pattern.compile("(?m)^ {4}[\\w<>, ]+ (\\w+)\\(\\);").matcher(text);
                        while (method.find()) {
                            keys.add(mapping.group(1) + "." + method.group(1).replaceAll("([a-z0-9])([A-Z])", "$1-$2")
                                    .toLowerCase());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return keys;
    }

    /** MicroProfile Config's environment form: non-alphanumerics as {@code _}, upper case. */
    private static String environmentName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    /** The port a service listens on: its {@code quarkus.http.port}. */
    private static int port(String service) {
        try {
            for (String line : Files.readAllLines(Repo.root().resolve(service
                    + "-service/src/main/resources/application.properties"))) {
                if (line.startsWith("quarkus.http.port=")) {
                    return Integer.parseInt(line.substring(line.indexOf('=') + 1).trim());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException(service + " sets no quarkus.http.port");
    }

    /** A variable {@code *_<SERVICE>_URL} holding {@code http://<service>:<port>} names that service on its port. */
    private static void assertUrl(String where, String variable, String value,
            Function<String, Integer> portOf) {
        Matcher url = URL.matcher(value);
        if (!url.matches()) {
            if (!variable.equals("IM_MEDIA_PUBLIC_URL")) { // the address apps use, not a service's
                assertThat(variable).as("%s: a service URL that is not http://service:port", where)
                        .doesNotMatch("IM_\\w+_URL");
            }
            return;
        }
        String target = url.group(1);
        assertThat(variable).as("%s: URL of %s", where, target).endsWith("_" + target.toUpperCase() + "_URL");
        assertThat(SERVICES).as(where).contains(target);
        assertThat(Integer.parseInt(url.group(2))).as("%s: %s's port", where, target).isEqualTo(port(target))
                .isEqualTo(portOf.apply(target));
    }

    /** The compose file, read by SnakeYAML, which applies its merge keys ({@code <<: *service-env}) as compose does. */
    private JsonNode compose() throws IOException {
        Object document = new Yaml().load(Files.readString(Repo.root().resolve("deploy/compose/docker-compose.yml")));
        return yaml.valueToTree(document);
    }

    private List<JsonNode> k8s(String file) throws IOException {
        try (MappingIterator<JsonNode> documents = yaml.readerFor(JsonNode.class)
                .readValues(Repo.root().resolve("deploy/k8s").resolve(file).toFile())) {
            return documents.readAll();
        }
    }
}
