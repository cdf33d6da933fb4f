package im.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import im.protocol.ClientFrame;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.RecordHeaders;
import im.protocol.SendRequest;
import im.protocol.Sender;
import im.protocol.ServerFrames.Ack;
import im.protocol.Topics;
import im.testkit.Tokens;
import im.testkit.TopicProbe;
import im.testkit.WsClient;

/**
 * W3C trace context end to end (the services' defaults: SDK off, so nothing is exported and the context still travels):
 * the request that sent a message, a backend's record, or the gateway when nothing came with the request starts the
 * trace, and the message record and every delivery of it carry it on.
 */
class TracingIT {
    private static final String W3C = "00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]";
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = Stack.get();
    }

    @Test
    void anHttpRequestsTraceparent_goesOnInTheMessageRecordAndItsDelivery() throws Exception {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String traceparent = "00-" + traceId + "-00f067aa0ba902b7-01";
        try (WsClient b = stack.connect(2, bob);
                TopicProbe reliable = TopicProbe.fromEnd(stack.kafka.bootstrapServers(), Topics.MESSAGES_RELIABLE);
                TopicProbe deliveries = TopicProbe.fromEnd(stack.kafka.bootstrapServers(), Topics.DELIVERIES)) {
            stack.awaitPresence(bob, 1);
            SendRequest send = new SendRequest(new ConversationRef(ConversationType.PEER, bob),
                    MessageContent.text("traced"), "trace-" + traceId, null, null, null, null);
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create(stack.gateway(1) + "/v1/messages"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + Tokens.user(alice))
                    .header("traceparent", traceparent)
                    .POST(HttpRequest.BodyPublishers.ofString(JsonCodec.encode(send))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            String messageId = JsonCodec.tree(answer.body()).get("messageId").asText();

            assertThat(traceIdOf(reliable.await(r -> r.value() != null && r.value().contains(messageId))))
                    .isEqualTo(traceId);
            assertThat(traceIdOf(deliveries.await(r -> r.value() != null && r.value().contains(messageId))))
                    .isEqualTo(traceId);
            assertThat(b.awaitMessages(1).get(0).messageId()).isEqualTo(messageId);
        }
    }

    @Test
    void aWebSocketSend_startsATrace_thatItsDeliveryCarriesOn() {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        try (WsClient a = stack.connect(1, alice);
                WsClient b = stack.connect(2, bob);
                TopicProbe reliable = TopicProbe.fromEnd(stack.kafka.bootstrapServers(), Topics.MESSAGES_RELIABLE);
                TopicProbe deliveries = TopicProbe.fromEnd(stack.kafka.bootstrapServers(), Topics.DELIVERIES)) {
            stack.awaitPresence(bob, 1);
            Ack ack = a.request(ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.PEER, bob),
                    MessageContent.text("over ws"), "ws-" + UUID.randomUUID(), null, null, null, null)));
            assertThat(ack.isSuccess()).isTrue();
            String traceId = traceIdOf(reliable.await(r -> r.value() != null && r.value().contains(ack.messageId())));
            assertThat(traceIdOf(deliveries.await(r -> r.value() != null && r.value().contains(ack.messageId()))))
                    .isEqualTo(traceId);
            b.awaitMessages(1);
        }
    }

    @Test
    void aWebSocketFramesTraceparent_goesOnInTheMessageRecordAndItsDelivery() {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        String traceId = UUID.randomUUID().toString().replace("-", "");
        try (WsClient a = stack.connect(1, alice);
                WsClient b = stack.connect(2, bob);
                TopicProbe deliveries = TopicProbe.fromEnd(stack.kafka.bootstrapServers(), Topics.DELIVERIES)) {
            stack.awaitPresence(bob, 1);
            ClientFrame send = ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.PEER, bob),
                    MessageContent.text("traced over ws"), "ws-trace-" + traceId, null, null, null, null));
            Ack ack = a.request(new ClientFrame(send.op(), null, send.to(), send.message(), send.clientMsgId(), null, null,
                    null, null, null, null, null, null, null, "00-" + traceId + "-00f067aa0ba902b7-01"));
            assertThat(ack.isSuccess()).isTrue();
            assertThat(traceIdOf(deliveries.await(r -> r.value() != null && r.value().contains(ack.messageId()))))
                    .isEqualTo(traceId);
            b.awaitMessages(1);
        }
    }

    @Test
    void aBackendsRecord_keepsItsTraceThroughRouting() {
        String bob = Stack.user("bob");
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String key = ConversationKey.of("billing", new ConversationRef(ConversationType.PEER, bob)).value();
        long now = System.currentTimeMillis();
        String messageId = MessageIds.next(now);
        String value = JsonCodec.encode(new Envelope(1, messageId, "trace-" + traceId, key,
                new ConversationRef(ConversationType.PEER, bob), new Sender("billing", "Billing"), now, null, null, null,
                null, null, MessageContent.text("invoice ready")));
        try (WsClient b = stack.connect(1, bob);
                TopicProbe deliveries = TopicProbe.fromEnd(stack.kafka.bootstrapServers(), Topics.DELIVERIES)) {
            stack.awaitPresence(bob, 1);
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.MESSAGES_RELIABLE, key, value);
            record.headers().add(RecordHeaders.TYPE, "text".getBytes(StandardCharsets.UTF_8));
            record.headers().add(RecordHeaders.TRACEPARENT,
                    ("00-" + traceId + "-b7ad6b7169203331-01").getBytes(StandardCharsets.UTF_8));
            TopicProbe.produce(stack.kafka.bootstrapServers(), record);
            assertThat(traceIdOf(deliveries.await(r -> r.value() != null && r.value().contains(messageId))))
                    .isEqualTo(traceId);
            assertThat(b.awaitMessages(1).get(0).messageId()).isEqualTo(messageId);
        }
    }

    private static String traceIdOf(ConsumerRecord<String, String> record) {
        Header header = record.headers().lastHeader(RecordHeaders.TRACEPARENT);
        assertThat(header).as("traceparent on %s", record).isNotNull();
        String value = new String(header.value(), StandardCharsets.UTF_8);
        assertThat(value).matches(W3C);
        return value.substring(3, 35);
    }
}
