package im.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.Presence;
import im.protocol.RecordHeaders;
import im.protocol.Sender;
import im.protocol.Topics;
import im.testkit.EmbeddedKafka;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/**
 * With the OpenTelemetry SDK on (as an operator turns it on to export by OTLP): routing records a span per routed
 * message, child of the span that wrote it, and its deliveries carry that span's context: same trace, routing's span.
 */
@QuarkusTest
@TestProfile(RoutingTracingTest.SdkOn.class)
class RoutingTracingTest {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String GATEWAY_SPAN = "00f067aa0ba902b7";

    /** The SDK on; no exporter (the spans are read from {@link RecordedSpans}). */
    public static class SdkOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.traces.exporter", "none");
        }
    }

    @Inject
    RecordedSpans spans;

    @Test
    void aRoutedMessage_isASpanUnderItsWriter_andItsDeliveryCarriesThatSpan() {
        // its own small fixture: a test class of another profile must not load RoutingTest's (Quarkus then cannot make
        // RoutingTest's instance in its own application)
        String kafka = EmbeddedKafka.shared().bootstrapServers();
        String nodeId = "gw-trace-" + UUID.randomUUID().toString().substring(0, 8);
        long epoch = System.currentTimeMillis();
        String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
        String bob = "bob-" + UUID.randomUUID().toString().substring(0, 8);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            long now = System.currentTimeMillis();
            TopicProbe.produce(kafka, new ProducerRecord<>(Topics.PRESENCE, Presence.nodeKey(nodeId), JsonCodec
                    .encode(new Presence(1, Presence.KIND_NODE, nodeId, 0, epoch, null, null, null, now))));
            TopicProbe.produce(kafka, new ProducerRecord<>(Topics.PRESENCE, Presence.userKey(bob, nodeId), JsonCodec
                    .encode(new Presence(1, Presence.KIND_USER, nodeId, 0, epoch, bob, 1, List.of(), now))));
            assertThat(RestAssured.given().auth().oauth2(Tokens.service("history-service"))
                    .get("/v1/routing/presence/{userId}", bob).then().statusCode(200).extract().jsonPath()
                    .getList("nodes.nodeId", String.class)).contains(nodeId);
        });
        long now = System.currentTimeMillis();
        ConversationRef to = new ConversationRef(ConversationType.PEER, bob);
        Envelope message = new Envelope(1, MessageIds.next(now), "c-trace", ConversationKey.of(alice, to).value(), to,
                new Sender(alice, alice), now, null, null, null, null, null, MessageContent.text("traced"));
        try (TopicProbe deliveries = TopicProbe.fromEnd(kafka, Topics.DELIVERIES)) {
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.MESSAGES_RELIABLE,
                    message.conversationKey(), JsonCodec.encode(message));
            record.headers().add(RecordHeaders.TRACEPARENT,
                    ("00-" + TRACE_ID + "-" + GATEWAY_SPAN + "-01").getBytes(StandardCharsets.UTF_8));
            TopicProbe.produce(kafka, record);

            ConsumerRecord<String, String> delivery = deliveries
                    .await(r -> nodeId.equals(r.key()) && r.value().contains(message.messageId()));
            String traceparent = new String(delivery.headers().lastHeader(RecordHeaders.TRACEPARENT).value(),
                    StandardCharsets.UTF_8);
            assertThat(traceparent).startsWith("00-" + TRACE_ID + "-").endsWith("-01")
                    .doesNotContain(GATEWAY_SPAN);
            String routingSpan = traceparent.substring(36, 52);
            SpanData route = await().atMost(Duration.ofSeconds(10)).until(() -> spans.ended().stream()
                    .filter(span -> span.getSpanId().equals(routingSpan)).findFirst().orElse(null), span -> span != null);
            assertThat(route.getTraceId()).isEqualTo(TRACE_ID);
            assertThat(route.getParentSpanId()).isEqualTo(GATEWAY_SPAN);
            assertThat(route.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(route.getName()).isEqualTo("route " + Topics.MESSAGES_RELIABLE);
        }
    }
}
