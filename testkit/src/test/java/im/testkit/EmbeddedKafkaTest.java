package im.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import im.protocol.Topics;

class EmbeddedKafkaTest {

    @Test
    void sharedBroker_hasTheContractTopics_andCarriesRecords() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.shared();
        try (var admin = kafka.admin()) {
            assertThat(admin.listTopics().names().get()).contains(Topics.MESSAGES_RELIABLE, Topics.PRESENCE, Topics.DLQ);
        }
        try (TopicProbe probe = TopicProbe.fromEnd(kafka.bootstrapServers(), Topics.DLQ)) {
            TopicProbe.produce(kafka.bootstrapServers(), new ProducerRecord<>(Topics.DLQ, "k", "v"));
            assertThat(probe.await(r -> "k".equals(r.key())).value()).isEqualTo("v");
        }
    }

    @Test
    void brokerProperties_comeFromPrefixedEnvironmentVariables_only() {
        assertThat(EmbeddedKafka.fromEnvironment(Map.of("IM_KAFKA_BROKER_NUM_IO_THREADS", "2",
                "IM_KAFKA_BROKER_NUM_NETWORK_THREADS", "1", "IM_KAFKA_BROKER_", "x", "KAFKA_LINGER_MS", "5", "PATH", "/bin")))
                .containsExactly(Map.entry("num.io.threads", "2"), Map.entry("num.network.threads", "1"));
    }
}
