package im.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import im.protocol.ClientFrame;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.SendRequest;
import im.protocol.ServerFrames.Ack;
import im.protocol.Topics;
import im.testkit.ServiceProcess;
import im.testkit.Tokens;
import im.testkit.WsClient;

/**
 * Scale-out on one machine under failure: three gateway nodes, three routing and two history instances (the shared
 * stack's plus {@code gateway-3}, {@code routing-3}, {@code history-2} started here). While clients keep sending
 * reliable messages, one instance of each is killed (SIGKILL): the gateway's clients reconnect to another node and
 * resend what was not acked (same clientMsgId), Kafka gives the dead routing and history members' partitions to the
 * survivors. Every acked message must reach its recipient (pushed, or synced from history by a recipient that lost its
 * node) and be stored once, and deliveries must go on after the rebalance.
 */
class ScaleOutIT {
    private static final int PAIRS = 6;
    /** Sends per second over all senders, so the run is a steady stream rather than a flood on a shared 2-core box. */
    private static final int SENDS_PER_SECOND = 120;
    /** Acks each sender must get after the rebalance before the senders stop. */
    private static final int ACKS_AFTER_REBALANCE = 20;
    /**
     * The instances killed here leave their consumer groups by session timeout: 6 s (the broker's minimum) instead of
     * the clients' default 45 s keeps the run short. Only the dead member's timeout matters to the coordinator.
     */
    private static final Map<String, String> SHORT_SESSION = Map.of("kafka.session.timeout.ms", "6000",
            "kafka.heartbeat.interval.ms", "1000");
    /** Consumer loops of the shared stack's two routing instances: 3 topics × 2 loops each. */
    private static final int SHARED_ROUTING_MEMBERS = 2 * 3 * 2;
    /**
     * routing-3 runs 6 loops per topic: Kafka's range assignor hands a topic's partitions to the first members by member
     * id (random), and with 6 of 10 members per topic the one killed holds partitions of every topic but once in 210.
     */
    private static final int ROUTING_3_LOOPS_PER_TOPIC = 6;
    private static Stack stack;
    private static final List<ServiceProcess> extras = new CopyOnWriteArrayList<>();
    /** Consumer ids (group member ids) of routing-3 and history-2, told apart as the members that came with them. */
    private static final Set<String> killedMembers = ConcurrentHashMap.newKeySet();
    private static int messagePartitions;

    @BeforeAll
    static void start() throws Exception {
        stack = Stack.get();
        try (Admin admin = stack.kafka.admin()) {
            messagePartitions = admin.describeTopics(List.of(Topics.MESSAGES_RELIABLE)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(Topics.MESSAGES_RELIABLE).partitions().size();
            // The shared stack alone (a member of an instance killed by an earlier test leaves by session timeout).
            Set<String> shared = awaitGroups(admin, 1, SHARED_ROUTING_MEMBERS);
            Map<String, String> routing3 = new HashMap<>(SHORT_SESSION);
            routing3.put("im.routing.loops-per-topic", String.valueOf(ROUTING_3_LOOPS_PER_TOPIC));
            List<CompletableFuture<ServiceProcess>> starting = List.of(
                    CompletableFuture.supplyAsync(() -> stack.startGateway(3)),
                    CompletableFuture.supplyAsync(() -> stack.startRouting("routing-3", routing3)),
                    CompletableFuture.supplyAsync(() -> stack.startHistory("history-2", SHORT_SESSION)));
            starting.forEach(future -> extras.add(future.join()));
            Map<String, Long> held = new HashMap<>();
            for (int draw = 1; !held.keySet().containsAll(List.of("history", "routing")); draw++) {
                if (draw > 1) {
                    // once in 210 the assignor gave routing-3 none: a clean stop leaves the group at once, draw again
                    assertThat(draw).as("draws of routing-3's partitions").isLessThanOrEqualTo(3);
                    stack.service("routing-3").stop(Duration.ofSeconds(20));
                    extras.add(stack.startRouting("routing-3", routing3));
                }
                Set<String> all = awaitGroups(admin, 2, SHARED_ROUTING_MEMBERS + 3 * ROUTING_3_LOOPS_PER_TOPIC);
                all.removeAll(shared);
                killedMembers.clear();
                killedMembers.addAll(all);
                // The instances to be killed hold partitions of im.messages.reliable: their death moves work.
                held.clear();
                for (String groupId : List.of("history", "routing")) {
                    for (MemberDescription member : group(admin, groupId).members()) {
                        if (killedMembers.contains(member.consumerId())) {
                            member.assignment().topicPartitions().stream()
                                    .filter(p -> p.topic().equals(Topics.MESSAGES_RELIABLE))
                                    .forEach(p -> held.merge(groupId, 1L, Long::sum));
                        }
                    }
                }
            }
            System.out.printf("ScaleOutIT: %d partitions per message topic; of im.messages.reliable, history-2 holds %d,"
                    + " routing-3 %d%n", messagePartitions, held.get("history"), held.get("routing"));
        }
    }

    @AfterAll
    static void stopExtras() {
        extras.forEach(ServiceProcess::kill);
    }

    /** One sender: sends paced reliable messages to its peer, reconnects to a surviving node when its node dies. */
    private static final class Sender implements Runnable {
        final String user;
        final String peer;
        final Map<String, Long> ackedAt = new ConcurrentHashMap<>();
        final AtomicInteger resent = new AtomicInteger();
        final Set<String> resentIds = ConcurrentHashMap.newKeySet();
        final AtomicInteger reconnects = new AtomicInteger();
        volatile WsClient ws;
        volatile Throwable failure;
        private final Semaphore permits;
        private final AtomicBoolean stop;
        private int seq;

        Sender(String user, String peer, int node, Semaphore permits, AtomicBoolean stop) {
            this.user = user;
            this.peer = peer;
            this.permits = permits;
            this.stop = stop;
            this.ws = stack.connect(node, user);
        }

        @Override
        public void run() {
            try {
                while (!stop.get()) {
                    if (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    sendUntilAcked(user + "-" + seq++);
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        /** What an SDK does: the same clientMsgId until a success ack, on whichever node is up. */
        private void sendUntilAcked(String clientMsgId) {
            ClientFrame frame = ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.PEER, peer),
                    MessageContent.text("scale-out " + clientMsgId), clientMsgId, null, null, null, null));
            boolean retry = false;
            while (true) {
                Ack ack = request(ws, frame);
                if (ack != null && ack.isSuccess()) {
                    ackedAt.put(clientMsgId, System.nanoTime());
                    if (retry) {
                        resent.incrementAndGet();
                        resentIds.add(clientMsgId);
                    }
                    return;
                }
                retry = true;
                if (ack == null) {
                    // the node is gone: reconnect to one of the survivors, as the SDK does
                    ws.close();
                    ws = stack.connect(1 + reconnects.getAndIncrement() % 2, user);
                }
            }
        }
    }

    /** The ack of {@code frame}, or null once the socket is closed before it came. */
    private static Ack request(WsClient ws, ClientFrame frame) {
        String id;
        try {
            id = ws.send(frame);
        } catch (RuntimeException e) {
            return null;
        }
        JsonNode ack = await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ofMillis(5))
                .until(() -> ws.frames().stream().filter(f -> "ack".equals(WsClient.text(f, "op"))
                        && id.equals(WsClient.text(f, "id"))).findFirst().orElse(ws.isClosed()
                                ? JsonCodec.tree("{}")
                                : null),
                        found -> found != null);
        return ack.has("op") ? JsonCodec.mapper().convertValue(ack, Ack.class) : null;
    }

    /** One recipient: its sessions over time (a new one on another node when its node dies). */
    private static final class Receiver {
        final String user;
        final List<WsClient> sessions = new CopyOnWriteArrayList<>();
        volatile boolean lostItsNode;

        Receiver(String user, int node) {
            this.user = user;
            sessions.add(stack.connect(node, user));
        }

        WsClient current() {
            return sessions.get(sessions.size() - 1);
        }

        /** clientMsgIds pushed to any of its sessions, each time it was pushed. */
        List<String> pushed(String from) {
            List<String> ids = new ArrayList<>();
            for (WsClient session : sessions) {
                for (Message message : session.messages()) {
                    if (message.sender() != null && from.equals(message.sender().id())) {
                        ids.add(message.clientMsgId());
                    }
                }
            }
            return ids;
        }
    }

    @Test
    void killingAGatewayARouterAndAHistoryInstance_losesNoAckedMessage_andDeliveriesGoOn() throws Exception {
        long started = System.nanoTime();
        try (Admin admin = stack.kafka.admin()) {

            Semaphore permits = new Semaphore(0);
            AtomicBoolean stop = new AtomicBoolean();
            List<Sender> senders = new ArrayList<>();
            List<Receiver> receivers = new ArrayList<>();
            for (int i = 0; i < PAIRS; i++) {
                String sender = Stack.user("so-s" + i);
                String receiver = Stack.user("so-r" + i);
                // senders on 1, 2, 3, 1, 2, 3; their recipients on the next node: two of each on gateway-3
                receivers.add(new Receiver(receiver, 1 + (i + 1) % 3));
                senders.add(new Sender(sender, receiver, 1 + i % 3, permits, stop));
            }
            for (Receiver receiver : receivers) {
                stack.awaitPresence(receiver.user, 1);
            }
            ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
            ExecutorService pool = Executors.newFixedThreadPool(PAIRS);
            try {
                pacer.scheduleAtFixedRate(() -> permits.release(SENDS_PER_SECOND / 20), 0, 50, TimeUnit.MILLISECONDS);
                senders.forEach(pool::submit);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> senders.stream().allMatch(s -> s.ackedAt.size() >= 30));

                // Mid-run: one instance of each, at once, as a crash would.
                long killedAt = System.nanoTime();
                int ackedBeforeKill = senders.stream().mapToInt(s -> s.ackedAt.size()).sum();
                List.of("gateway-3", "routing-3", "history-2").parallelStream()
                        .forEach(name -> stack.service(name).kill());

                for (int i = 0; i < PAIRS; i++) {
                    Receiver receiver = receivers.get(i);
                    if (1 + (i + 1) % 3 == 3) {
                        receiver.current().awaitClosed();
                        receiver.lostItsNode = true;
                        receiver.sessions.add(stack.connect(1 + i % 2, receiver.user));
                    }
                }
                long reconnectedAt = System.nanoTime();

                // Kafka gives the dead members' partitions to the survivors.
                Set<String> survivors = awaitGroups(admin, 1, SHARED_ROUTING_MEMBERS);
                assertThat(survivors).as("members left of the killed instances").doesNotContainAnyElementsOf(killedMembers);
                long rebalancedAt = System.nanoTime();

                // Deliveries go on after the rebalance: every pair gets messages acked after it pushed.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    for (int i = 0; i < PAIRS; i++) {
                        Sender sender = senders.get(i);
                        Set<String> pushed = new HashSet<>(receivers.get(i).pushed(sender.user));
                        long after = sender.ackedAt.entrySet().stream().filter(e -> e.getValue() > rebalancedAt)
                                .filter(e -> pushed.contains(e.getKey())).count();
                        if (after < ACKS_AFTER_REBALANCE) {
                            return false;
                        }
                    }
                    return true;
                });
                long firstAfterRebalance = System.nanoTime();
                stop.set(true);
                pool.shutdown();
                assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).as("senders finished").isTrue();
                for (Sender sender : senders) {
                    assertThat(sender.failure).as(sender.user + " failed").isNull();
                }

                // No acked message is lost: pushed (or, for a recipient that lost its node, synced from history) ...
                Map<String, Set<String>> synced = new ConcurrentHashMap<>();
                try {
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                        for (int i = 0; i < PAIRS; i++) {
                            Sender sender = senders.get(i);
                            Receiver receiver = receivers.get(i);
                            Set<String> delivered = new HashSet<>(receiver.pushed(sender.user));
                            if (receiver.lostItsNode && !delivered.containsAll(sender.ackedAt.keySet())) {
                                Set<String> fromHistory = new HashSet<>(stored(receiver.user, sender.user));
                                fromHistory.removeAll(delivered);
                                synced.put(receiver.user, fromHistory);
                                delivered.addAll(fromHistory);
                            }
                            if (!delivered.containsAll(sender.ackedAt.keySet())) {
                                return false;
                            }
                        }
                        return true;
                    });
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("acked but not delivered: " + missing(senders, receivers, killedAt), e);
                }
                // ... and stored, once.
                Map<String, List<String>> storedRows = new ConcurrentHashMap<>();
                try {
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                        for (int i = 0; i < PAIRS; i++) {
                            List<String> rows = stored(receivers.get(i).user, senders.get(i).user);
                            storedRows.put(senders.get(i).user, rows);
                            if (!new HashSet<>(rows).containsAll(senders.get(i).ackedAt.keySet())) {
                                return false;
                            }
                        }
                        return true;
                    });
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("acked but not stored: " + missing(senders, receivers, killedAt)
                            + "\n  group history: " + stack.groupLag("history") + "\n  history ready: "
                            + stack.readiness("history"), e);
                }
                int acked = senders.stream().mapToInt(s -> s.ackedAt.size()).sum();
                int pushed = 0;
                int pushedTwice = 0;
                for (int i = 0; i < PAIRS; i++) {
                    List<String> all = receivers.get(i).pushed(senders.get(i).user);
                    Set<String> distinct = new HashSet<>(all);
                    distinct.retainAll(senders.get(i).ackedAt.keySet());
                    pushed += distinct.size();
                    pushedTwice += all.size() - new HashSet<>(all).size();
                }
                int storedCount = storedRows.values().stream().mapToInt(List::size).sum();
                int storedDistinct = storedRows.values().stream().mapToInt(rows -> new HashSet<>(rows).size()).sum();
                System.out.printf("ScaleOutIT: 3 gateways, 3 routers, 2 history; killed gateway-3, routing-3, history-2 "
                        + "after %d acks%n  acked %d (resent after reconnect %d), pushed %d, synced from history %d, "
                        + "pushed more than once %d, stored %d rows for %d clientMsgIds%n  reconnected %d ms after the "
                        + "kill, groups rebalanced after %d ms, %d acks after the rebalance pushed per pair after %d ms;"
                        + " run %d s%n",
                        ackedBeforeKill, acked, senders.stream().mapToInt(s -> s.resent.get()).sum(), pushed,
                        synced.values().stream().mapToInt(Set::size).sum(), pushedTwice, storedCount, storedDistinct,
                        millis(reconnectedAt - killedAt), millis(rebalancedAt - killedAt), ACKS_AFTER_REBALANCE,
                        millis(firstAfterRebalance - killedAt), millis(System.nanoTime() - started) / 1000);
                assertThat(storedCount).as("each message stored once").isEqualTo(storedDistinct);
                for (int i = 0; i < PAIRS; i++) {
                    if (!receivers.get(i).lostItsNode) {
                        assertThat(receivers.get(i).pushed(senders.get(i).user))
                                .as("a recipient whose node stayed up gets every acked message pushed")
                                .containsAll(senders.get(i).ackedAt.keySet());
                    }
                }
            } finally {
                stop.set(true);
                pacer.shutdownNow();
                pool.shutdownNow();
                senders.forEach(s -> s.ws.close());
                receivers.forEach(r -> r.sessions.forEach(WsClient::close));
            }
        }
    }

    /**
     * Waits until group {@code history} has {@code historyMembers} members and {@code routing} {@code routingMembers},
     * both stable, and every message partition is held; returns the member ids of both groups.
     */
    private static Set<String> awaitGroups(Admin admin, int historyMembers, int routingMembers) {
        AtomicReference<String> last = new AtomicReference<>("nothing described yet");
        Set<String> members = new HashSet<>();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
                ConsumerGroupDescription history = group(admin, "history");
                ConsumerGroupDescription routing = group(admin, "routing");
                last.set("history " + describe(history) + "; routing " + describe(routing));
                members.clear();
                history.members().forEach(m -> members.add(m.consumerId()));
                routing.members().forEach(m -> members.add(m.consumerId()));
                return history.groupState() == GroupState.STABLE && routing.groupState() == GroupState.STABLE
                        && history.members().size() == historyMembers && assigned(history) == messagePartitions
                        && routing.members().size() == routingMembers && assigned(routing) == 3L * messagePartitions;
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("groups not as expected (" + historyMembers + " history, " + routingMembers
                    + " routing members): " + last.get(), e);
        }
        return members;
    }

    private static String describe(ConsumerGroupDescription group) {
        return group.groupState() + ", " + group.members().size() + " members holding "
                + group.members().stream().map(m -> String.valueOf(m.assignment().topicPartitions().size())).toList()
                + " partitions";
    }

    /** Per pair: the acked messages the recipient has not had, when they were acked and whether history has them. */
    private static String missing(List<Sender> senders, List<Receiver> receivers, long killedAt) throws Exception {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < PAIRS; i++) {
            Sender sender = senders.get(i);
            Receiver receiver = receivers.get(i);
            Set<String> pushed = new HashSet<>(receiver.pushed(sender.user));
            Set<String> stored = new HashSet<>(stored(receiver.user, sender.user));
            List<String> lost = new ArrayList<>();
            sender.ackedAt.forEach((id, at) -> {
                if (!pushed.contains(id) && !(receiver.lostItsNode && stored.contains(id)) || !stored.contains(id)) {
                    lost.add(id + " (acked " + millis(at - killedAt) + " ms after the kill, "
                            + (stored.contains(id) ? "stored" : "not stored") + (pushed.contains(id) ? ", pushed" : "")
                            + (sender.resentIds.contains(id) ? ", resent" : "") + ")");
                }
            });
            out.append(String.format("%n  pair %d (sender on gateway-%d, recipient on gateway-%d%s): acked %d, pushed %d, "
                    + "stored %d, missing %d %s", i, 1 + i % 3, 1 + (i + 1) % 3, receiver.lostItsNode ? ", lost it" : "",
                    sender.ackedAt.size(), pushed.size(), stored.size(), lost.size(),
                    lost.stream().sorted().limit(8).toList()));
        }
        return out.toString();
    }

    /** Committed offset and end offset per partition of a group's topics. */
    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }

    private static ConsumerGroupDescription group(Admin admin, String groupId) throws Exception {
        return admin.describeConsumerGroups(List.of(groupId)).all().get(10, TimeUnit.SECONDS).get(groupId);
    }

    /** How many distinct partitions of the message topics the group's members hold. */
    private static long assigned(ConsumerGroupDescription group) {
        Set<TopicPartition> partitions = new HashSet<>();
        for (MemberDescription member : group.members()) {
            partitions.addAll(member.assignment().topicPartitions());
        }
        return partitions.stream().filter(p -> p.topic().startsWith("im.messages.")).count();
    }

    /** The clientMsgIds history stores in the peer conversation of {@code userId} with {@code otherId}, one per row. */
    private static List<String> stored(String userId, String otherId) throws Exception {
        List<String> ids = new ArrayList<>();
        long after = -1; // orderKey is an offset: the first message of a partition has 0
        while (true) {
            HttpResponse<String> response = Stack.HTTP.send(HttpRequest.newBuilder(URI.create(stack.gateway(1)
                    + "/v1/conversations/peer/" + otherId + "/messages?limit=100&after=" + after))
                    .header("Authorization", "Bearer " + Tokens.user(userId)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return ids;
            }
            JsonNode page = JsonCodec.tree(response.body());
            for (JsonNode message : page.get("messages")) {
                ids.add(message.get("clientMsgId").asText());
                after = Math.max(after, message.get("orderKey").asLong());
            }
            if (!page.path("hasMore").asBoolean(false) || page.get("messages").isEmpty()) {
                return ids;
            }
        }
    }
}
