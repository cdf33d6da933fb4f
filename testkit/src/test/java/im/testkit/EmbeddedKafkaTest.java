package im.testkit;

import static org.assertj.core.api.Assertions.assertThat;

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
}
