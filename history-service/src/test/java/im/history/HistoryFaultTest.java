package im.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

import im.history.messaging.MessageStore;
import im.pipeline.ConsumerLoop;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.Mentions;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.RecordHeaders;
import im.protocol.Sender;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.EmbeddedPg;
import im.testkit.KafkaResource;
import im.testkit.PoisonRecords;
import im.testkit.PostgresResource;
import im.testkit.TopicProbe;

/**
 * Fault injection against the real broker and the real PostgreSQL: no record a backend can write stops storage for
 * anybody, and a database outage longer than every timeout loses nothing and needs no restart.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
class HistoryFaultTest {
    private static final int PARTITIONS = 4;

    @Inject
    EntityManager em;

    @Inject
    MessageStore store;

    private static String servers() {
        return EmbeddedKafka.shared().bootstrapServers();
    }

    private static Envelope text(String from, String to, String text) {
        ConversationRef ref = new ConversationRef(ConversationType.PEER, to);
        long now = System.currentTimeMillis();
        return new Envelope(1, MessageIds.next(now), "c-" + UUID.randomUUID(), ConversationKey.of(from, ref).value(), ref,
                new Sender(from, null), now, null, null, null, null, null, MessageContent.text(text));
    }

    private static void produce(Envelope envelope) {
        TopicProbe.produce(servers(),
                new ProducerRecord<>(Topics.MESSAGES_RELIABLE, envelope.conversationKey(), JsonCodec.encode(envelope)));
    }

    private long stored(String messageId) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em
                .createNativeQuery("select count(*) from message where message_id = ?1").setParameter(1, messageId)
                .getSingleResult()).longValue());
    }

    private static String header(ConsumerRecord<String, String> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void everyKindOfPoisonRecord_isDeadLettered_andTheGoodRecordAfterItIsStored() {
        String alice = "pa-" + UUID.randomUUID().toString().substring(0, 6);
        Envelope valid = text(alice, "pb", "valid");
        String key = valid.conversationKey();
        String json = JsonCodec.encode(valid);
        var kinds = PoisonRecords.jsonKinds(json,
                j -> j.replace("\"clientMsgId\"", "\"mentions\":{\"userIds\":[null]},\"clientMsgId\""),
                j -> j.replace("\"valid\"", "\"a\\u0000b\""),
                j -> j.replace(valid.messageId(), "m".repeat(65)));
        kinds.put("wrong conversation key", json.replace(key, "peer/x,y"));
        kinds.put("signal type on the reliable topic",
                json.replace("\"type\":\"text\",\"text\":\"valid\"", "\"type\":\"command\",\"data\":\"AA==\""));
        try (TopicProbe dlq = TopicProbe.fromEnd(servers(), Topics.DLQ)) {
            List<PoisonRecords.Written> written = new ArrayList<>(
                    PoisonRecords.write(servers(), Topics.MESSAGES_RELIABLE, key, kinds));
            int home = written.get(0).partition();
            int other = (home + 1) % PARTITIONS;
            Envelope misplaced = text(alice, "pb", "misplaced");
            written.add(PoisonRecords.writeTo(servers(), Topics.MESSAGES_RELIABLE, other, key, JsonCodec.encode(misplaced)));

            Envelope good = text(alice, "pb", "good after poison");
            produce(good);
            String otherKey = PoisonRecords.keyFor("peer/pz,q", other, PARTITIONS);
            Envelope goodOnOther = new Envelope(1, MessageIds.next(System.currentTimeMillis()), null, otherKey,
                    new ConversationRef(ConversationType.PEER, otherKey.substring(otherKey.indexOf(',') + 1)),
                    new Sender("pz", null), System.currentTimeMillis(), null, null, null, null, null,
                    MessageContent.text("good on the other partition"));
            produce(goodOnOther);

            await().atMost(Duration.ofSeconds(30)).until(() -> stored(good.messageId()) == 1
                    && stored(goodOnOther.messageId()) == 1);
            assertThat(stored(misplaced.messageId())).isZero();
            for (PoisonRecords.Written poison : written) {
                ConsumerRecord<String, String> dead = dlq.await(r -> Topics.MESSAGES_RELIABLE.equals(
                        header(r, RecordHeaders.ORIGIN_TOPIC))
                        && String.valueOf(poison.partition()).equals(header(r, RecordHeaders.ORIGIN_PARTITION))
                        && String.valueOf(poison.offset()).equals(header(r, RecordHeaders.ORIGIN_OFFSET)));
                assertThat(header(dead, RecordHeaders.ERROR)).as(poison.kind()).isEqualTo("INVALID_REQUEST");
                assertThat(header(dead, RecordHeaders.ERROR_DETAIL)).as(poison.kind()).isNotBlank();
                assertThat(header(dead, RecordHeaders.DEAD_LETTERED_BY)).isEqualTo("history-service/reliable");
                assertThat(dead.key()).isEqualTo(key);
            }
        }
    }

    @Test
    void postgresqlOutage_longerThanEveryTimeout_losesNothing_andNeedsNoRestart() {
        String alice = "po-" + UUID.randomUUID().toString().substring(0, 6);
        Envelope before = text(alice, "pq", "before the outage");
        produce(before);
        await().atMost(Duration.ofSeconds(30)).until(() -> stored(before.messageId()) == 1);
        ConsumerLoop loop = store.loop();
        int assignments = loop.assignments();

        EmbeddedPg.shared().stop();
        long outageStart = System.nanoTime();
        List<Envelope> meanwhile = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Envelope envelope = text(alice, "pq" + (i % 3), "during the outage " + i);
                produce(envelope); // acked by Kafka: must be stored once the database is back
                meanwhile.add(envelope);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> loop.state() == ConsumerLoop.State.RETRYING);
            // longer than the consumer's max.poll.interval.ms and the pool's acquisition timeout (test profile)
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> System.nanoTime() - outageStart > Duration.ofSeconds(12).toNanos());
            assertThat(loop.state()).isEqualTo(ConsumerLoop.State.RETRYING);
        } finally {
            EmbeddedPg.shared().restart();
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> meanwhile.stream().allMatch(e -> stored(e.messageId()) == 1));
        await().atMost(Duration.ofSeconds(10)).until(loop::isReady);
        assertThat(loop.assignments()).as("the consumer never left its group").isEqualTo(assignments);
    }

    @Test
    void mentionsWithoutAll_areStored() {
        String alice = "pm-" + UUID.randomUUID().toString().substring(0, 6);
        Envelope plain = text(alice, "pn", "hello @pn");
        Envelope mentioning = new Envelope(1, plain.messageId(), plain.clientMsgId(), plain.conversationKey(), plain.to(),
                plain.sender(), plain.timestamp(), null, new Mentions(List.of("pn"), null), null, null, null,
                plain.message());
        String json = JsonCodec.encode(mentioning).replace(",\"all\":false", "");
        assertThat(json).contains("\"mentions\":{\"userIds\":[\"pn\"]}");
        TopicProbe.produce(servers(), new ProducerRecord<>(Topics.MESSAGES_RELIABLE, plain.conversationKey(), json));

        await().atMost(Duration.ofSeconds(30)).until(() -> stored(plain.messageId()) == 1);
    }
}
