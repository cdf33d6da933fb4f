package im.testkit;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a {@code @QuarkusTest} at the JVM's shared real Kafka broker ({@link EmbeddedKafka#shared()}), so every test
 * class of a module reuses one broker.
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String servers = EmbeddedKafka.shared().bootstrapServers();
        return Map.of("kafka.bootstrap.servers", servers, "quarkus.kafka.devservices.enabled", "false");
    }

    @Override
    public void stop() {
        // the shared broker lives until the JVM exits, for the next test class
    }
}
