package im.gateway;

import static im.gateway.GatewayTestSupport.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URL;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import im.gateway.service.StorageLag;
import im.protocol.JsonCodec;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.Tokens;
import im.testkit.WsClient;

/**
 * Admission by history's backlog, against the real broker: a group standing in for history commits slowly behind what
 * is written to {@code im.messages.reliable}; the gateway reads that through its Admin client, refuses low-priority
 * sends {@code UNAVAILABLE} (high-priority ones go through), and lets them in again once the group has caught up.
 */
@QuarkusTest
@TestProfile(StorageBacklogTest.Behind.class)
class StorageBacklogTest {
    private static final String GROUP = "storage-lag-test";

    /** History's progress read from this test's group; a second of backlog is the limit, 100 records count. */
    public static class Behind implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("im.gateway.overload.storage-group", GROUP, "im.gateway.overload.storage-lag", "1s",
                    "im.gateway.overload.storage-min-backlog", "100");
        }
    }

    private static final AtomicInteger IDS = new AtomicInteger();

    @TestHTTPResource("/")
    URL url;

    @Inject
    StorageLag storageLag;

    private static JsonNode send(WsClient ws, String to, String priority) {
        String id = "s" + IDS.incrementAndGet();
        ws.sendRaw(JsonCodec.encode(Map.of("op", "send", "id", id, "to", Map.of("type", "peer", "id", to), "clientMsgId",
                "c" + id, "priority", priority, "message", Map.of("type", "text", "text", "hello"))));
        return ws.awaitFrame(f -> "ack".equals(WsClient.text(f, "op")) && id.equals(WsClient.text(f, "id")));
    }

    @Test
    void historyFarBehind_refusesLowPrioritySends_letsHighOnesIn_andLetsLowOnesInOnceCaughtUp() throws Exception {
        String bootstrap = EmbeddedKafka.shared().bootstrapServers();
        TopicPartition partition = new TopicPartition(Topics.MESSAGES_RELIABLE, 0);
        long end;
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                new StringSerializer())) {
            RecordMetadata last = null;
            for (int i = 0; i < 2_000; i++) {
                // a backlog nobody consumes in this test's stack (no routing or history here)
                last = producer.send(new ProducerRecord<>(Topics.MESSAGES_RELIABLE, 0, "backlog", "{}")).get();
            }
            end = last.offset() + 1;
        }
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        AtomicLong committed = new AtomicLong(end - 2_000);
        AtomicBoolean catchUp = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        // the stand-in stores 50 records a second while behind: progressing, so its backlog counts (~40 s of it)
        Thread history = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> group = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                while (!stop.get()) {
                    long at = catchUp.get() ? end : committed.addAndGet(10);
                    group.commitSync(Map.of(partition, new OffsetAndMetadata(Math.min(at, end))));
                    Thread.sleep(200);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "history-stand-in");
        history.start();
        String alice = uniqueUser("alice");
        String bob = uniqueUser("bob");
        try (WsClient ws = WsClient.connect(url.toString(), Tokens.user(alice))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> storageLag.seconds() > 3);

            JsonNode low = send(ws, bob, "low");
            assertThat(WsClient.text(low, "status")).isEqualTo("failed");
            assertThat(low.get("error").get("code").asText()).isEqualTo("UNAVAILABLE");
            assertThat(low.get("error").get("message").asText()).contains("history").contains("low-priority");
            JsonNode medium = send(ws, bob, "medium");
            assertThat(medium.get("error").get("code").asText()).isEqualTo("UNAVAILABLE");
            assertThat(WsClient.text(send(ws, bob, "high"), "status")).isEqualTo("success");

            catchUp.set(true);
            await().atMost(Duration.ofSeconds(30)).until(() -> storageLag.seconds() == 0);
            assertThat(WsClient.text(send(ws, bob, "low"), "status")).isEqualTo("success");
        } finally {
            stop.set(true);
            history.join(5_000);
        }
    }
}
