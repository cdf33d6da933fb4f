package im.bench.chaos;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.testkit.Tokens;

/**
 * The chaos run's app clients: one WebSocket per user on Vert.x event loops, senders and receivers spread over both
 * gateway nodes. They behave as the contract asks an app to: a sender keeps one message per conversation in flight and
 * resends it with the same clientMsgId (on whatever node it is connected to) until it is acked; every socket that drops
 * reconnects, to the other node first; a receiver syncs a conversation from history after each reconnect and whenever a
 * pushed message's {@code prevOrderKey} is newer than the last orderKey it holds, until history has caught up with the
 * gap. Everything a client sees is written into the {@link Msg} records for the audit.
 */
final class Fleet implements AutoCloseable {
    static final String HOST = "127.0.0.1";
    static final int PAGE = 100;
    static final long NEVER = Long.MIN_VALUE;

    /** One app user with one socket. */
    static final class User {
        final String id;
        final int home;
        final String token;
        final List<Conv> sends = new ArrayList<>();
        final Map<String, Conv> receives = new HashMap<>();
        /** Open intervals of this user's sockets on the harness clock: {opened, closed or Long.MAX_VALUE}. */
        final List<long[]> online = new ArrayList<>();
        volatile WebSocket socket;
        volatile int node;
        int connectFailures;
        boolean everConnected;

        User(String id, int home, String token) {
            this.id = id;
            this.home = home;
            this.node = home;
            this.token = token;
        }

        synchronized boolean onlineAt(long t) {
            for (long[] interval : online) {
                if (interval[0] <= t && t <= interval[1]) {
                    return true;
                }
            }
            return false;
        }

        /** Whether one of the user's sockets opened after {@code t} (a reconnect, which makes the app sync). */
        synchronized boolean reconnectedAfter(long t) {
            for (long[] interval : online) {
                if (interval[0] > t) {
                    return true;
                }
            }
            return false;
        }

        synchronized List<long[]> intervals() {
            return online.stream().map(long[]::clone).toList();
        }
    }

    /** One peer conversation: its sender's side (messages, the one in flight) and its receiver's side (sync state). */
    static final class Conv {
        final int index;
        final User sender;
        final User receiver;
        final String key;
        final List<Msg> msgs = new ArrayList<>();
        Msg inFlight;
        // receiver side
        long contiguous = -1;
        long target = -1;
        boolean syncing;
        boolean syncAgain;
        long syncSince;
        long syncMax = -1;
        long lastPushed = -1;
        List<long[]> pending = new ArrayList<>();
        final List<long[]> failedGaps = new ArrayList<>();
        int gaps;

        Conv(int index, User sender, User receiver) {
            this.index = index;
            this.sender = sender;
            this.receiver = receiver;
            this.key = ConversationKey.of(sender.id, new ConversationRef(ConversationType.PEER, receiver.id)).value();
        }
    }

    /** One message as its sender and its receiver saw it; times on the harness clock (nanos), 0 = not yet. */
    static final class Msg {
        final Conv conv;
        final int seq;
        final String clientMsgId;
        long firstSentAt;
        long lastSentAt;
        long retryAt;
        int attempts;
        int nodesMask;
        int resendsAfterDrop;
        volatile long ackAt;
        String ackMessageId;
        long ackOrderKey = -1;
        int acks;
        String failedCode;
        long pushedAt;
        int pushes;
        long pushPrev = NEVER;
        long pushOrderKey = -1;
        long syncedAt;
        boolean pendingDrop;

        Msg(Conv conv, int seq) {
            this.conv = conv;
            this.seq = seq;
            this.clientMsgId = "m" + conv.index + "." + seq;
        }

        boolean got() {
            return pushedAt != 0 || syncedAt != 0;
        }
    }

    final ChaosOptions options;
    final long ackTimeout;
    final long syncDeadline;
    final int[] ports;
    final String run = Long.toString(System.currentTimeMillis() % 60_466_176L, 36);
    final User[] senders;
    final User[] receivers;
    final Conv[] convs;
    final Map<String, Msg> byClientMsgId = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Conv> ready = new LinkedBlockingQueue<>();
    private final Vertx vertx;
    private final WebSocketClient ws;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Random random = new Random(7);
    private final String padding;
    private volatile boolean stopping;
    private Thread resender;

    final LongAdder firstSends = new LongAdder();
    final LongAdder writes = new LongAdder();
    final LongAdder resends = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder extraAcks = new LongAdder();
    final LongAdder refused = new LongAdder();
    final Map<String, LongAdder> failedAcks = new ConcurrentHashMap<>();
    final LongAdder pushes = new LongAdder();
    final LongAdder pushedMessages = new LongAdder();
    final LongAdder pushDuplicates = new LongAdder();
    final LongAdder pushedOutOfOrder = new LongAdder();
    final LongAdder ownEchoes = new LongAdder();
    final LongAdder unknownPushes = new LongAdder();
    final LongAdder gapsSeen = new LongAdder();
    final LongAdder chainBreaks = new LongAdder();
    final LongAdder syncs = new LongAdder();
    final LongAdder reconnectSyncs = new LongAdder();
    final LongAdder syncRequests = new LongAdder();
    final LongAdder syncErrors = new LongAdder();
    final LongAdder syncBehind = new LongAdder();
    final LongAdder syncGaveUp = new LongAdder();
    final LongAdder syncedNew = new LongAdder();
    final LongAdder connects = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder drops = new LongAdder();
    final Map<String, LongAdder> closings = new ConcurrentHashMap<>();
    final AtomicInteger syncing = new AtomicInteger();
    final AtomicInteger connected = new AtomicInteger();
    final Histogram ackLatencyMs = new ConcurrentHistogram(3_600_000L, 3);
    final Histogram deliverLatencyMs = new ConcurrentHistogram(3_600_000L, 3);
    volatile long lastPushAt;
    /** The service credential routing's views ask for. */
    final String serviceAuthorization;

    Fleet(ChaosOptions options, String secret, int[] ports) {
        this.options = options;
        this.serviceAuthorization = "Bearer " + Tokens.service(secret, "chaos");
        this.ports = ports;
        this.ackTimeout = TimeUnit.SECONDS.toNanos(options.ackTimeoutSeconds);
        this.syncDeadline = TimeUnit.SECONDS.toNanos(options.syncDeadlineSeconds);
        StringBuilder pad = new StringBuilder();
        while (pad.length() < options.textSize) {
            pad.append("lorem ipsum ");
        }
        this.padding = pad.toString();
        senders = new User[options.senders];
        receivers = new User[options.conversations];
        for (int i = 0; i < senders.length; i++) {
            String id = "s" + run + "-" + i;
            senders[i] = new User(id, i % 2, Tokens.sign(secret, id, id, Duration.ofHours(4), false));
        }
        convs = new Conv[options.conversations];
        for (int c = 0; c < convs.length; c++) {
            String id = "r" + run + "-" + c;
            receivers[c] = new User(id, (c / 2) % 2, Tokens.sign(secret, id, id, Duration.ofHours(4), false));
            convs[c] = new Conv(c, senders[c % senders.length], receivers[c]);
            convs[c].sender.sends.add(convs[c]);
            receivers[c].receives.put(convs[c].sender.id, convs[c]);
        }
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setPreferNativeTransport(false)
                .setBlockedThreadCheckInterval(60_000));
        ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(50_000).setConnectTimeout(10_000)
                .setMaxFrameSize(1 << 20).setMaxMessageSize(8 << 20));
        http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(3_000).setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(24));
    }

    int sockets() {
        return senders.length + receivers.length;
    }

    List<User> users() {
        List<User> all = new ArrayList<>(List.of(senders));
        all.addAll(List.of(receivers));
        return all;
    }

    // ------------------------------------------------------------------ connections

    /** Connects every user to its home node, at most {@code concurrency} handshakes at a time; false on timeout. */
    boolean connectAll(int concurrency, Duration timeout) throws InterruptedException {
        List<User> all = users();
        CountDownLatch done = new CountDownLatch(all.size());
        Semaphore permits = new Semaphore(concurrency);
        for (User user : all) {
            permits.acquire();
            connect(user, user.home, () -> {
                permits.release();
                done.countDown();
            });
        }
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void connect(User user, int node, Runnable firstOutcome) {
        WebSocketConnectOptions connect = new WebSocketConnectOptions().setHost(HOST).setPort(ports[node])
                .setURI("/v1/ws").addHeader("Authorization", "Bearer " + user.token);
        ws.connect(connect).onComplete(result -> {
            if (firstOutcome != null) {
                firstOutcome.run();
            }
            if (result.failed()) {
                connectFailures.increment();
                int failures;
                synchronized (user) {
                    failures = ++user.connectFailures;
                }
                if (!stopping) {
                    long delay = Math.min(3_000, 250L << Math.min(failures, 4)) + random.nextInt(250);
                    vertx.setTimer(delay, id -> connect(user, node ^ 1, null));
                }
                return;
            }
            opened(user, node, result.result());
        });
    }

    private void opened(User user, int node, WebSocket socket) {
        long now = Chaos.now();
        boolean again;
        synchronized (user) {
            user.socket = socket;
            user.node = node;
            user.connectFailures = 0;
            user.online.add(new long[]{now, Long.MAX_VALUE});
            again = user.everConnected;
            user.everConnected = true;
        }
        connects.increment();
        connected.incrementAndGet();
        socket.textMessageHandler(text -> onFrame(user, text));
        socket.exceptionHandler(e -> {
            // the close handler follows
        });
        socket.closeHandler(v -> closed(user, socket));
        if (stopping) {
            socket.close();
            return;
        }
        if (again) {
            reconnects.increment();
        }
        for (Conv conv : user.sends) {
            synchronized (conv) {
                if (conv.inFlight != null && conv.inFlight.ackAt == 0) {
                    conv.inFlight.retryAt = 0;
                }
            }
        }
        if (again) {
            for (Conv conv : user.receives.values()) {
                synchronized (conv) {
                    reconnectSyncs.increment();
                    requestSync(conv, -1);
                }
            }
        }
    }

    private void closed(User user, WebSocket socket) {
        long now = Chaos.now();
        synchronized (user) {
            if (user.socket != socket) {
                return;
            }
            user.socket = null;
            user.online.get(user.online.size() - 1)[1] = now;
        }
        connected.decrementAndGet();
        if (stopping) {
            return;
        }
        drops.increment();
        for (Conv conv : user.sends) {
            synchronized (conv) {
                Msg m = conv.inFlight;
                if (m != null && m.ackAt == 0) {
                    m.retryAt = 0;
                    m.pendingDrop = true;
                }
            }
        }
        int other = user.node ^ 1;
        vertx.setTimer(100 + random.nextInt(300), id -> connect(user, other, null));
    }

    // ------------------------------------------------------------------ sending

    /**
     * Sends new messages until {@code total} went out or the deadline passes: a conversation gets its next message only
     * after its previous one is acked (or refused for good), at {@code rate} first sends per second at most.
     */
    void sendAll(int total, long deadline, BooleanSupplier faultsPending,
            Consumer<String> log) {
        List<Conv> order = new ArrayList<>(List.of(convs));
        Collections.shuffle(order, new Random(11));
        ready.addAll(order);
        resender = new Thread(this::resendLoop, "chaos-resend");
        resender.setDaemon(true);
        resender.start();
        long interval = options.rate > 0 ? 1_000_000_000L / options.rate : 0;
        // the last tenth of the messages goes out slowly while faults are still to come, so that every fault hits a
        // stack with traffic flowing even when the stack restarts slowly
        int full = options.rate > 0 ? options.rate : 500;
        int holdFrom = (int) (total * 0.9);
        int crawlFrom = (int) (total * 0.97);
        long slowed = 0;
        long next = Chaos.now();
        int sent = 0;
        while (sent < total && Chaos.now() < deadline) {
            long slowNow = sent < holdFrom || !faultsPending.getAsBoolean()
                    ? 0
                    : 1_000_000_000L / Math.max(sent < crawlFrom ? 20 : 2, full / (sent < crawlFrom ? 10 : 100));
            if (slowNow != slowed) {
                slowed = slowNow;
                log.accept(slowNow > 0
                        ? String.format(Locale.ROOT, "pacer slowed to %d msg/s at message %,d: faults still "
                                + "to come", 1_000_000_000L / slowNow, sent)
                        : String.format(Locale.ROOT, "pacer back to full rate at message %,d", sent));
            }
            Conv conv;
            try {
                conv = ready.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (conv == null) {
                continue;
            }
            long gap = Math.max(interval, slowed);
            if (gap > 0) {
                long now = Chaos.now();
                next = Math.max(next, now - 200_000_000L);
                while (next - Chaos.now() > 0) {
                    LockSupport.parkNanos(Math.min(next - Chaos.now(), 1_000_000));
                }
                next += gap;
            }
            long now = Chaos.now();
            synchronized (conv) {
                Msg m = new Msg(conv, conv.msgs.size());
                conv.msgs.add(m);
                byClientMsgId.put(m.clientMsgId, m);
                conv.inFlight = m;
                m.firstSentAt = now;
                write(m, now);
            }
            firstSends.increment();
            sent++;
        }
    }

    /** Resends what is due: after a drop (once reconnected), after a failed ack's pause, or after the ack timeout. */
    private void resendLoop() {
        while (!stopping) {
            long now = Chaos.now();
            for (Conv conv : convs) {
                synchronized (conv) {
                    Msg m = conv.inFlight;
                    if (m != null && m.ackAt == 0 && m.failedCode == null && now >= m.retryAt
                            && conv.sender.socket != null) {
                        if (m.pendingDrop) {
                            m.resendsAfterDrop++;
                            m.pendingDrop = false;
                        }
                        resends.increment();
                        write(m, now);
                    }
                }
            }
            LockSupport.parkNanos(100_000_000L);
        }
    }

    /** One write of a message (under the conversation's lock); with no socket it waits for the reconnect. */
    private void write(Msg m, long now) {
        User user = m.conv.sender;
        WebSocket socket = user.socket;
        if (socket == null) {
            m.retryAt = 0;
            m.pendingDrop = true;
            return;
        }
        m.attempts++;
        m.lastSentAt = now;
        m.retryAt = now + ackTimeout;
        m.nodesMask |= 1 << user.node;
        writes.increment();
        String frame = "{\"op\":\"send\",\"id\":\"" + m.conv.index + "." + m.seq + "." + m.attempts
                + "\",\"to\":{\"type\":\"peer\",\"id\":\"" + m.conv.receiver.id + "\"},\"clientMsgId\":\"" + m.clientMsgId
                + "\",\"message\":{\"type\":\"text\",\"text\":\"" + text(m) + "\"}}";
        socket.writeTextMessage(frame);
    }

    private String text(Msg m) {
        String head = m.clientMsgId + " from " + m.conv.sender.id + ";";
        return head + padding.substring(0, Math.max(0, options.textSize - head.length()));
    }

    /** Messages first sent and not yet acked nor refused for good. */
    int unacked() {
        int n = 0;
        for (Conv conv : convs) {
            synchronized (conv) {
                if (conv.inFlight != null && conv.inFlight.ackAt == 0 && conv.inFlight.failedCode == null) {
                    n++;
                }
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ frames

    private void onFrame(User user, String text) {
        JsonNode frame;
        try {
            frame = json.readTree(text);
        } catch (Exception e) {
            closings.computeIfAbsent("unreadable frame", k -> new LongAdder()).increment();
            return;
        }
        switch (frame.path("op").asText()) {
            case "ack" -> ack(frame);
            case "messages" -> messages(user, frame);
            case "closing" -> closings.computeIfAbsent(frame.path("reason").asText(), k -> new LongAdder()).increment();
            case "error" -> closings.computeIfAbsent("error " + frame.path("error").path("code").asText(),
                    k -> new LongAdder()).increment();
            default -> {
                // tokenWillExpire and the rest: not part of this run
            }
        }
    }

    private void ack(JsonNode frame) {
        String[] id = frame.path("id").asText().split("\\.");
        if (id.length != 3) {
            return;
        }
        Conv conv = convs[Integer.parseInt(id[0])];
        long now = Chaos.now();
        boolean release = false;
        synchronized (conv) {
            Msg m = conv.msgs.get(Integer.parseInt(id[1]));
            if ("success".equals(frame.path("status").asText())) {
                m.acks++;
                if (m.ackAt != 0) {
                    extraAcks.increment();
                    return;
                }
                m.ackAt = now;
                m.ackMessageId = frame.path("messageId").asText(null);
                m.ackOrderKey = frame.path("orderKey").asLong(-1);
                acked.increment();
                ackLatencyMs.recordValue(Math.min(3_600_000L, (now - m.firstSentAt) / 1_000_000));
                release = conv.inFlight == m;
                if (release) {
                    conv.inFlight = null;
                }
            } else {
                String code = frame.path("error").path("code").asText("?");
                failedAcks.computeIfAbsent(code, k -> new LongAdder()).increment();
                if (m.ackAt != 0 || m.failedCode != null) {
                    return;
                }
                if (code.equals("UNAVAILABLE") || code.equals("INTERNAL") || code.equals("RATE_LIMITED")) {
                    m.retryAt = Math.min(m.retryAt, now + 1_000_000_000L);
                } else {
                    m.failedCode = code;
                    refused.increment();
                    release = conv.inFlight == m;
                    if (release) {
                        conv.inFlight = null;
                    }
                }
            }
        }
        if (release) {
            ready.offer(conv);
        }
    }

    private void messages(User user, JsonNode frame) {
        long now = Chaos.now();
        lastPushAt = now;
        pushes.increment();
        for (JsonNode message : frame.path("messages")) {
            Msg m = byClientMsgId.get(message.path("clientMsgId").asText(""));
            if (m == null) {
                unknownPushes.increment();
                continue;
            }
            Conv conv = m.conv;
            if (conv.receiver != user) {
                ownEchoes.increment();
                continue;
            }
            long orderKey = message.path("orderKey").asLong(-1);
            JsonNode prevNode = message.get("prevOrderKey");
            long prev = prevNode == null || prevNode.isNull() ? -1 : prevNode.asLong();
            synchronized (conv) {
                m.pushes++;
                if (m.pushedAt != 0) {
                    pushDuplicates.increment();
                    continue;
                }
                m.pushedAt = now;
                m.pushPrev = prev;
                m.pushOrderKey = orderKey;
                pushedMessages.increment();
                if (m.syncedAt == 0) {
                    deliverLatencyMs.recordValue(Math.min(3_600_000L, (now - m.firstSentAt) / 1_000_000));
                }
                if (orderKey < conv.lastPushed) {
                    pushedOutOfOrder.increment();
                }
                if (prev < 0 && conv.lastPushed >= 0) {
                    chainBreaks.increment();
                }
                conv.lastPushed = Math.max(conv.lastPushed, orderKey);
                advance(conv, orderKey, prev);
            }
        }
    }

    // ------------------------------------------------------------------ gaps and syncs (under the conversation's lock)

    /** A pushed message: it extends what the receiver holds, or its prevOrderKey reveals a gap to sync. */
    private void advance(Conv conv, long orderKey, long prev) {
        if (conv.syncing) {
            conv.pending.add(new long[]{orderKey, prev});
            return;
        }
        if (prev >= 0 && prev > conv.contiguous) {
            conv.gaps++;
            gapsSeen.increment();
            conv.pending.add(new long[]{orderKey, prev});
            requestSync(conv, prev);
            return;
        }
        conv.contiguous = Math.max(conv.contiguous, orderKey);
    }

    /** Syncs the conversation from history after what the receiver holds, until {@code target} (-1: one read). */
    private void requestSync(Conv conv, long target) {
        conv.target = Math.max(conv.target, target);
        if (conv.syncing) {
            conv.syncAgain = true;
            return;
        }
        conv.syncing = true;
        conv.syncMax = -1;
        if (conv.syncSince == 0) {
            conv.syncSince = Chaos.now();
        }
        syncs.increment();
        syncing.incrementAndGet();
        long after = conv.contiguous;
        vertx.runOnContext(v -> fetch(conv, after, 0));
    }

    private void fetch(Conv conv, long after, int attempt) {
        User user = conv.receiver;
        int node = attempt % 2 == 0 ? user.node : user.node ^ 1;
        syncRequests.increment();
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(HOST).setPort(ports[node])
                .setURI("/v1/conversations/peer/" + conv.sender.id + "/messages?after=" + after + "&limit=" + PAGE)
                .putHeader("Authorization", "Bearer " + user.token).setIdleTimeout(10_000);
        http.request(request).compose(r -> r.send().compose(response -> response.statusCode() == 200
                ? response.body()
                : Future.failedFuture("HTTP " + response.statusCode()))).onComplete(result -> {
                    if (result.succeeded()) {
                        page(conv, result.result());
                    } else {
                        syncErrors.increment();
                        retry(conv, after, attempt + 1, 1_000);
                    }
                });
    }

    private void retry(Conv conv, long after, int attempt, long delayMs) {
        synchronized (conv) {
            if (Chaos.now() - conv.syncSince > syncDeadline || stopping) {
                giveUp(conv);
                return;
            }
        }
        vertx.setTimer(delayMs, id -> fetch(conv, after, attempt));
    }

    private void page(Conv conv, Buffer body) {
        JsonNode answer;
        try {
            answer = json.readTree(body.getBytes());
        } catch (Exception e) {
            syncErrors.increment();
            retry(conv, conv.contiguous, 1, 1_000);
            return;
        }
        long now = Chaos.now();
        long last = -1;
        JsonNode messages = answer.path("messages");
        synchronized (conv) {
            for (JsonNode message : messages) {
                long orderKey = message.path("orderKey").asLong(-1);
                last = Math.max(last, orderKey);
                Msg m = byClientMsgId.get(message.path("clientMsgId").asText(""));
                if (m == null || m.conv != conv) {
                    continue;
                }
                if (m.syncedAt == 0) {
                    m.syncedAt = now;
                    if (m.pushedAt == 0) {
                        syncedNew.increment();
                    }
                }
            }
            conv.syncMax = Math.max(conv.syncMax, last);
            if (!answer.path("hasMore").asBoolean(false) || messages.isEmpty()) {
                long held = Math.max(conv.contiguous, conv.syncMax);
                conv.contiguous = held;
                if (conv.target > held && !conv.syncAgain) {
                    // history has not stored the gap's end yet: read again shortly
                    syncBehind.increment();
                    if (Chaos.now() - conv.syncSince > syncDeadline || stopping) {
                        giveUp(conv);
                    } else {
                        vertx.setTimer(500, id -> fetch(conv, held, 0));
                    }
                    return;
                }
                finish(conv);
                return;
            }
        }
        long next = last;
        fetch(conv, next, 0);
    }

    private void giveUp(Conv conv) {
        synchronized (conv) {
            if (!conv.syncing) {
                return;
            }
            syncGaveUp.increment();
            conv.failedGaps.add(new long[]{conv.contiguous, conv.target});
            conv.contiguous = Math.max(conv.contiguous, conv.target);
            finish(conv);
        }
    }

    /** Ends a sync: the pushes that came meanwhile are applied in order (one may start the next sync). */
    private void finish(Conv conv) {
        conv.syncing = false;
        syncing.decrementAndGet();
        boolean again = conv.syncAgain;
        conv.syncAgain = false;
        List<long[]> pending = conv.pending;
        conv.pending = new ArrayList<>();
        if (again) {
            conv.pending.addAll(pending);
            requestSync(conv, -1);
            return;
        }
        conv.syncSince = 0;
        for (long[] push : pending) {
            advance(conv, push[0], push[1]);
        }
    }

    // ------------------------------------------------------------------ helpers for the run

    /** How many receivers routing knows to be online (its presence table), asked for all of them. */
    int receiversKnownToRouting(String routingUrl) throws InterruptedException {
        URI base = URI.create(routingUrl);
        AtomicInteger present = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(receivers.length);
        for (User user : receivers) {
            http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(HOST).setPort(base.getPort())
                    .setURI("/v1/routing/presence/" + user.id).setIdleTimeout(10_000)
                    .putHeader("Authorization", serviceAuthorization))
                    .compose(r -> r.send().compose(response -> response.body())).onComplete(result -> {
                        try {
                            if (result.succeeded() && json.readTree(result.result().getBytes()).path("nodes").size() > 0) {
                                present.incrementAndGet();
                            }
                        } catch (Exception e) {
                            // not known
                        }
                        done.countDown();
                    });
        }
        done.await(30, TimeUnit.SECONDS);
        return present.get();
    }

    /** Stops reconnecting and resending, closes every socket. */
    void stop() {
        stopping = true;
        for (User user : users()) {
            WebSocket socket = user.socket;
            if (socket != null) {
                socket.close();
            }
        }
    }

    @Override
    public void close() {
        stopping = true;
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).exceptionally(e -> null)
                .join();
    }
}
