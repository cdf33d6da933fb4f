package im.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import im.protocol.Topics;

/**
 * The topic lists under {@code deploy/} hold exactly the topics of {@link Topics}, with its partitions and configs: the
 * compose file's one-shot {@code kafka-setup} service and the Strimzi {@code KafkaTopic}s. (The local launcher creates
 * {@link Topics#specs} itself.) Both use 8 partitions per message topic and 16 gateway slots.
 */
class TopicListsTest {
    private static final int MESSAGE_PARTITIONS = 8;
    /** The Strimzi cluster sets min.insync.replicas 2 of 3 replicas at cluster level (topics.yaml says so). */
    private static final String CLUSTER_LEVEL_ON_K8S = "min.insync.replicas";
    private static final Pattern CREATE = Pattern.compile("^\\s*topic (\\S+) (\\d+)((?: \\S+=\\S+)*)\\s*$");

    @Test
    void composeTopics_areExactlyTheTopicsOfTopics() throws IOException {
        Map<String, Topics.Spec> listed = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Repo.root().resolve("deploy/compose/docker-compose.yml"))) {
            Matcher create = CREATE.matcher(line);
            if (create.matches()) {
                Map<String, String> configs = new TreeMap<>();
                for (String config : create.group(3).trim().split(" ")) {
                    if (!config.isEmpty()) {
                        configs.put(config.substring(0, config.indexOf('=')), config.substring(config.indexOf('=') + 1));
                    }
                }
                listed.put(create.group(1), new Topics.Spec(create.group(1), Integer.parseInt(create.group(2)), configs));
            }
        }

        assertThat(listed.values()).containsExactlyInAnyOrderElementsOf(expected(null));
    }

    @Test
    void strimziTopics_areExactlyTheTopicsOfTopics() throws IOException {
        Map<String, Topics.Spec> listed = new LinkedHashMap<>();
        try (MappingIterator<JsonNode> documents = new YAMLMapper().readerFor(JsonNode.class)
                .readValues(Repo.root().resolve("deploy/k8s/topics.yaml").toFile())) {
            for (JsonNode topic : documents.readAll()) {
                assertThat(topic.path("kind").asText()).isEqualTo("KafkaTopic");
                Map<String, String> configs = new TreeMap<>();
                topic.at("/spec/config").fields().forEachRemaining(c -> configs.put(c.getKey(), c.getValue().asText()));
                String name = topic.at("/metadata/name").asText();
                assertThat(listed.put(name, new Topics.Spec(name, topic.at("/spec/partitions").asInt(), configs)))
                        .as("listed twice: %s", name).isNull();
            }
        }

        assertThat(listed.values()).containsExactlyInAnyOrderElementsOf(expected(CLUSTER_LEVEL_ON_K8S));
    }

    /** {@link Topics#specs} as the deploy files hold them, without a config they leave to the cluster. */
    private static List<Topics.Spec> expected(String leftToCluster) {
        return Topics.specs(MESSAGE_PARTITIONS, Topics.DEFAULT_GATEWAY_SLOTS).stream().map(spec -> {
            Map<String, String> configs = new TreeMap<>(spec.configs());
            if (leftToCluster != null) {
                configs.remove(leftToCluster);
            }
            return new Topics.Spec(spec.name(), spec.partitions(), configs);
        }).toList();
    }
}
