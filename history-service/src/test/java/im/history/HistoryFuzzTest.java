package im.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.Mentions;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.MessageType;
import im.protocol.Sender;
import im.protocol.Topics;
import im.testkit.ContractAnswers;
import im.testkit.EmbeddedKafka;
import im.testkit.Fuzz;
import im.testkit.KafkaResource;
import im.testkit.PostgresResource;
import im.testkit.RawRequests;
import im.testkit.Tokens;
import im.testkit.TopicProbe;

/**
 * Property-based fuzzing of history's own REST API (issue 9; the gateway passes these paths through): the conversation
 * list, history pages, read positions, receipts and search, with well-formed and hostile parameters, path segments,
 * bodies and tokens, from a printed seed ({@code -Dim.fuzz.seed=} replays it), against a real PostgreSQL holding a peer
 * and a group conversation. Properties: never a 5xx (but 503 {@code UNAVAILABLE} for room conversations: routing, which
 * knows who is in a room, does not run in these tests), every refusal {@code {"error": {"code", "message"}}} with a
 * catalogued code and its status, every other answer JSON.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
class HistoryFuzzTest {
    private static final int REQUESTS = Integer.getInteger("im.fuzz.history-requests", 2_000);

    @TestHTTPResource("/")
    URL url;

    @Test
    void fuzzedRequests_areNever5xx_andEveryRefusalIsCatalogued() throws Exception {
        Fuzz f = Fuzz.seeded("HistoryFuzzTest");
        String tag = Long.toHexString(f.seed() & 0xFFFFFFL);
        String alice = "hz" + tag + "a";
        String bob = "hz" + tag + "b";
        String group = "hz" + tag + "g";
        long stored = seed(alice, bob, group);

        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            requests.add(request(f, alice, bob, group, stored));
        }
        RawRequests http = RawRequests.of(url.toString());
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (Request request : requests) {
            done.add(pool.submit(() -> {
                RawRequests.Answer answer = http.send(request.method(), request.target(), request.headers(), request.body());
                statuses.computeIfAbsent(answer.status(), s -> new AtomicInteger()).incrementAndGet();
                String problem = Fuzz.isUri(request.target())
                        ? ContractAnswers.restProblem(answer, request.unavailable())
                        : answer.status() == 400 ? null : "a request target that is no URI answered " + answer.status();
                if (problem != null) {
                    violations.add(problem + " for " + request.method() + " " + ContractAnswers.abbreviate(request.target())
                            + " " + ContractAnswers.abbreviate(request.body() == null
                                    ? ""
                                    : new String(request.body(), StandardCharsets.UTF_8)));
                }
            }));
        }
        for (Future<?> future : done) {
            future.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();
        System.out.printf("FUZZ HistoryFuzzTest: %d requests in %d ms, statuses %s, %d violations%n", requests.size(),
                (System.nanoTime() - started) / 1_000_000, new TreeMap<>(statuses), violations.size());
        assertThat(statuses.getOrDefault(200, new AtomicInteger()).get()).as("answers that read real rows").isPositive();
        assertThat(violations).as("seed %d (replay: -D%s=%d)", f.seed(), Fuzz.SEED_PROPERTY, f.seed()).isEmpty();
    }

    /** A request as sent, and whether an absent dependency (routing, for rooms) may answer it. */
    record Request(String method, String target, Map<String, String> headers, byte[] body, boolean unavailable) {}

    private static Request request(Fuzz f, String alice, String bob, String group, long stored) {
        String me = f.pick(alice, alice, bob, "hz" + f.plain(4));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", Fuzz.cap(authorization(f, me), 2000));
        String type = f.pick("peer", "peer", "group", "room", f.chance(0.5) ? "PEER" : f.nastyString());
        String id = switch (type) {
            case "peer" -> f.chance(0.8) ? (me.equals(alice) ? bob : alice) : f.chance(0.5) ? me : f.idLike();
            case "group" -> f.chance(0.8) ? group : f.idLike();
            default -> f.chance(0.5) ? "hzroom" : f.idLike();
        };
        String conversation = "/v1/conversations/" + f.segment(type) + "/" + f.segment(id);
        String method = "GET";
        String target;
        byte[] body = null;
        switch (f.nextInt(10)) {
            case 0 -> target = "/v1/conversations" + (f.chance(0.3)
                    ? "?cursor=" + Fuzz.cap(Fuzz.percentEncode(f.pick(System.currentTimeMillis() + ":peer/" + alice + "," + bob,
                            "12:", ":", "x:y", "-1:" + f.nastyString(), String.valueOf(Long.MAX_VALUE) + ":z")), 800)
                    : f.query("since", "cursor", "limit"));
            case 1, 2 -> target = conversation + "/messages" + (f.chance(0.3)
                    ? "?" + f.pick("before", "after") + "=" + f.between(-1, (int) stored + 2) + "&limit=" + f.between(1, 3)
                    : f.query("before", "after", "limit"));
            case 3, 4 -> {
                method = "POST";
                target = conversation + "/read";
                ObjectNode read = JsonNodeFactory.instance.objectNode().put("orderKey", f.between(0, (int) stored + 5));
                String text;
                if (f.chance(0.3)) {
                    text = Fuzz.json(read);
                } else if (f.chance(0.6)) {
                    f.mutate(read, List.of());
                    text = Fuzz.json(read);
                } else {
                    text = f.chance(0.5) ? f.mutateText(Fuzz.json(read)) : f.notAnObject();
                }
                body = Fuzz.wireSafe(text).getBytes(StandardCharsets.UTF_8);
                headers.put("Content-Type", f.chance(0.9) ? "application/json" : f.pick("text/plain", "*/*", "garbage"));
            }
            case 5 -> target = conversation + "/receipts" + (f.chance(0.3)
                    ? "?orderKey=" + f.between(0, (int) stored)
                    : f.query("orderKey"));
            case 6, 7 -> target = "/v1/search" + (f.chance(0.5)
                    ? "?q=" + Fuzz.percentEncode(Fuzz.cap(f.pick("hello", "hello world", "a & b", "!x", "(", ":*", "'",
                            "\\", "a:*", "fuzz | hello", "<->", f.nastyString(), "x".repeat(f.between(199, 202))), 210))
                            + (f.chance(0.3) ? "&limit=" + f.between(-2, 200) : "")
                    : f.query("q", "limit"));
            case 8 -> {
                // deletes for me (v1.1): one message by a hostile or unknown id, a clear, a removal
                method = "DELETE";
                target = f.pick(conversation + "/messages/" + f.segment(f.chance(0.5) ? f.idLike() : f.nastyString()),
                        conversation + "/messages", conversation);
            }
            default -> {
                method = f.pick("PUT", "DELETE", "PATCH", "GET", "POST");
                target = f.pick("/v1/conversations/" + f.segment(type), conversation, conversation + "/read/x",
                        "/v1/search/x", "/v1/internal/messages/" + f.segment(f.idLike()), "/v1/nope");
            }
        }
        if (f.chance(0.05)) {
            headers.put("Accept", f.pick("text/plain", "text/html", "application/xml", "*/*"));
        }
        boolean unavailable = target.startsWith("/v1/conversations/room/");
        return new Request(method, target, headers, body, unavailable);
    }

    private static String authorization(Fuzz f, String me) {
        return switch (f.nextInt(10)) {
            case 0 -> "";
            case 1 -> "Bearer " + Fuzz.headerSafe(f.nastyString());
            case 2 -> "Basic Zm9vOmJhcg==";
            case 3 -> "Bearer " + Tokens.sign(Tokens.DEV_SECRET, me, null, Duration.ofMinutes(-10), false);
            case 4 -> "Bearer " + Fuzz.headerSafe(Tokens.sign(Tokens.DEV_SECRET, Fuzz.cap(f.idLike(), 300), null,
                    Duration.ofHours(1), false));
            default -> "Bearer " + Tokens.user(me);
        };
    }

    /** A peer conversation of every reliable type and a group both users are in; returns the last orderKey stored. */
    private long seed(String alice, String bob, String group) {
        String kafka = EmbeddedKafka.shared().bootstrapServers();
        for (String member : List.of(alice, bob)) {
            TopicProbe.produce(kafka, new ProducerRecord<>(Topics.MEMBERSHIP, Membership.memberKey(group, member),
                    JsonCodec.encode(new Membership(1, Membership.KIND_MEMBER, group, member, null, null, 1L))));
        }
        ConversationRef toBob = new ConversationRef(ConversationType.PEER, bob);
        ConversationRef toGroup = new ConversationRef(ConversationType.GROUP, group);
        List<MessageContent> contents = List.of(MessageContent.text("hello fuzz world"), custom("card", "hello card"),
                MessageContent.text("\u4f60\u597d \ud83d\ude00"), MessageContent.media(MessageType.FILE, null,
                        "https://files.example/a.pdf"));
        long last = -1;
        for (MessageContent content : contents) {
            last = produce(kafka, alice, toBob, content, new Mentions(List.of(bob), false));
            produce(kafka, bob, toGroup, content, null);
        }
        long lastOrderKey = last;
        String token = Tokens.user(bob);
        RawRequests http = RawRequests.of(url.toString());
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            RawRequests.Answer peer = http.send("GET", "/v1/conversations/peer/" + alice + "/messages?after="
                    + (lastOrderKey - 1), Map.of("Authorization", "Bearer " + token), null);
            RawRequests.Answer inGroup = http.send("GET", "/v1/conversations/group/" + group + "/messages",
                    Map.of("Authorization", "Bearer " + token), null);
            return peer.status() == 200 && peer.body().contains("messageId") && inGroup.status() == 200
                    && inGroup.body().contains("messageId");
        });
        return lastOrderKey;
    }

    private static MessageContent custom(String text, String searched) {
        return new MessageContent(MessageType.CUSTOM, text, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, 1, searched, null, null, null, null);
    }

    private static long produce(String kafka, String from, ConversationRef to, MessageContent content, Mentions mentions) {
        long now = System.currentTimeMillis();
        Envelope envelope = new Envelope(1, MessageIds.next(now), null, ConversationKey.of(from, to).value(), to,
                new Sender(from, null), now, null, mentions, null, null, null, content);
        return TopicProbe.produce(kafka, new ProducerRecord<>(Topics.MESSAGES_RELIABLE, envelope.conversationKey(),
                JsonCodec.encode(envelope))).offset();
    }
}
