package im.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import im.deploy.KafkaAccess.Grant;
import im.deploy.KafkaAccess.Operation;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.FreePorts;

/**
 * The grants of {@link KafkaAccess} on a real broker with SASL/SCRAM-SHA-512 and the StandardAuthorizer: each principal
 * can write exactly the topics it is granted (every other topic refused), read its topics (in its group where it has
 * one), a backend can write the message topics and read only im.notifications, and a wrong password is refused.
 */
class KafkaAccessTest {
    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static int saslPort;

    @BeforeAll
    static void start() throws Exception {
        saslPort = FreePorts.next();
        broker = EmbeddedKafka.startSecured(dir.resolve("kafka"), FreePorts.next(), saslPort, FreePorts.next());
        broker.createTopics(Topics.specs(2, 2));
        try (Admin admin = broker.admin()) {
            List<UserScramCredentialUpsertion> users = new ArrayList<>();
            for (String principal : KafkaAccess.PRINCIPALS) {
                users.add(new UserScramCredentialUpsertion(principal,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password(principal)));
            }
            admin.alterUserScramCredentials(List.copyOf(users)).all().get(30, TimeUnit.SECONDS);
            List<AclBinding> acls = new ArrayList<>();
            for (Grant grant : KafkaAccess.grants()) {
                ResourceType type = grant.resource() == KafkaAccess.Resource.TOPIC
                        ? ResourceType.TOPIC
                        : ResourceType.GROUP;
                acls.add(new AclBinding(new ResourcePattern(type, grant.name(), PatternType.LITERAL),
                        new AccessControlEntry("User:" + grant.principal(), "*",
                                AclOperation.fromString(grant.operation().name()), AclPermissionType.ALLOW)));
            }
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        }
        // one record on every topic, for the reads
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", broker.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            for (Topics.Spec spec : Topics.specs(2, 2)) {
                producer.send(new ProducerRecord<>(spec.name(), 0, "k", "v")).get(30, TimeUnit.SECONDS);
            }
        }
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void eachPrincipalWritesExactlyItsTopics() throws Exception {
        for (String principal : KafkaAccess.PRINCIPALS) {
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(client(principal, password(principal)),
                    new StringSerializer(), new StringSerializer())) {
                for (Topics.Spec spec : Topics.specs(2, 2)) {
                    ProducerRecord<String, String> record = new ProducerRecord<>(spec.name(), 0, "k", "v");
                    if (KafkaAccess.allows(principal, spec.name(), Operation.WRITE)) {
                        assertThat(producer.send(record).get(30, TimeUnit.SECONDS).topic()).as(principal + " writes "
                                + spec.name()).isEqualTo(spec.name());
                    } else {
                        assertThatThrownBy(() -> producer.send(record).get(30, TimeUnit.SECONDS))
                                .as(principal + " may not write " + spec.name()).isInstanceOf(ExecutionException.class)
                                .hasCauseInstanceOf(TopicAuthorizationException.class);
                    }
                }
            }
        }
    }

    @Test
    void eachPrincipalReadsItsTopicsAndNoOther() {
        for (String principal : KafkaAccess.PRINCIPALS) {
            for (Topics.Spec spec : Topics.specs(2, 2)) {
                Map<String, Object> config = client(principal, password(principal));
                List<Grant> groups = KafkaAccess.grants(principal).stream()
                        .filter(g -> g.resource() == KafkaAccess.Resource.GROUP && g.operation() == Operation.READ)
                        .toList();
                if (!groups.isEmpty()) {
                    config.put("group.id", groups.get(0).name());
                }
                config.put("auto.offset.reset", "earliest");
                try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                        new StringDeserializer())) {
                    consumer.assign(List.of(new TopicPartition(spec.name(), 0)));
                    if (KafkaAccess.allows(principal, spec.name(), Operation.READ)) {
                        ConsumerRecords<String, String> records = ConsumerRecords.empty();
                        while (records.isEmpty()) {
                            records = consumer.poll(Duration.ofMillis(500));
                        }
                        assertThat(records.count()).as(principal + " reads " + spec.name()).isPositive();
                        if (!groups.isEmpty()) {
                            consumer.commitSync(); // its group's offsets
                        }
                    } else {
                        assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(30)))
                                .as(principal + " may not read " + spec.name())
                                .isInstanceOfAny(TopicAuthorizationException.class, GroupAuthorizationException.class);
                    }
                }
            }
        }
    }

    @Test
    void anotherGroupIsRefused() {
        Map<String, Object> config = client("history", password("history"));
        config.put("group.id", "routing");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.MESSAGES_RELIABLE));
            assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(30)))
                    .isInstanceOf(GroupAuthorizationException.class);
        }
    }

    @Test
    void gatewayReadsHistorysProgress_andNoOtherGroups() throws Exception {
        try (Admin gateway = Admin.create(client("gateway", password("gateway")))) {
            // admission's reading of how far history is behind (StorageLag): allowed, whatever the group holds
            assertThat(gateway.listConsumerGroupOffsets("history").partitionsToOffsetAndMetadata().get(30,
                    TimeUnit.SECONDS)).isNotNull();
            assertThatThrownBy(() -> gateway.listConsumerGroupOffsets("routing").partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(GroupAuthorizationException.class);
        }
    }

    @Test
    void wrongPasswordIsRefused() {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(client("backend", "not-the-password"),
                new StringSerializer(), new StringSerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(Topics.MESSAGES_RELIABLE, "k", "v"))
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    private static Map<String, Object> client(String user, String password) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", "localhost:" + saslPort);
        config.put("security.protocol", "SASL_PLAINTEXT");
        config.put("sasl.mechanism", KafkaAccess.MECHANISM);
        config.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        config.put("max.block.ms", 30_000);
        config.put("enable.auto.commit", false);
        return config;
    }

    private static String password(String principal) {
        return principal + "-secret-for-tests";
    }
}
