package im.gateway.presence;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

import im.gateway.config.GatewayConfig;
import im.gateway.messaging.PresencePublisher;
import im.gateway.service.RateLimiter;
import im.gateway.session.Session;
import im.gateway.session.SessionRegistry;
import im.pipeline.Batch;
import im.pipeline.ConsumerLoop;
import im.pipeline.KafkaClients;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.Presence;
import im.protocol.PresenceFrames;
import im.protocol.PresenceFrames.Push;
import im.protocol.PresenceFrames.Request;
import im.protocol.PresenceFrames.UserPresence;
import im.protocol.ProtocolException;
import im.protocol.RecordRules;
import im.protocol.ServerFrames.Ack;
import im.protocol.Topics;

/**
 * Presence for apps (v1.1): this node reads the whole compacted {@code im.presence} topic (every partition from the
 * beginning, no group, ready once loaded, like routing) into a {@link PresenceBoard}, so what it tells its sessions is what
 * Kafka says, wherever the watched user is connected; a change is pushed to the local sessions that subscribed. A record
 * that cannot be read is dead-lettered, as routing does with the same record, and the loop reads on.
 */
@ApplicationScoped
public class PresenceService {
    private static final Logger LOG = Logger.getLogger(PresenceService.class);

    private PresenceBoard board;
    private PresenceSubscriptions subscriptions;

    @Inject
    SessionRegistry sessions;

    @Inject
    PresencePublisher publisher;

    @Inject
    RateLimiter rateLimiter;

    @Inject
    KafkaClients kafka;

    @Inject
    GatewayConfig config;

    @Inject
    MeterRegistry metrics;

    void start(@Observes StartupEvent event) {
        board = new PresenceBoard(config.presenceNodeTimeout().toMillis());
        subscriptions = new PresenceSubscriptions(config.limits().presenceSubscriptionsPerSession());
        metrics.gauge("im.gateway.presence.subscriptions", subscriptions, PresenceSubscriptions::size);
        kafka.start(kafka.loop("presence").assign(List.of(Topics.PRESENCE), ConsumerLoop.Start.EARLIEST).catchUp()
                .handler(this::fold));
    }

    /** Folds a batch of im.presence into the board and pushes what changed. */
    private CompletableFuture<?> fold(Batch batch) {
        for (ConsumerRecord<String, byte[]> record : batch.records()) {
            List<String> changed;
            try {
                Presence value = record.value() == null ? null : JsonCodec.decode(record.value(), Presence.class);
                RecordRules.checkPresence(record.key(), value);
                changed = board.apply(record.key(), value, record.timestamp());
            } catch (ProtocolException e) {
                batch.deadLetter(record, e);
                continue;
            }
            for (String userId : changed) {
                push(userId);
            }
        }
        return null;
    }

    private void push(String userId) {
        try {
            synchronized (subscriptions) {
                List<String> watchers = subscriptions.watchers(userId, System.currentTimeMillis());
                if (watchers.isEmpty()) {
                    return;
                }
                Push frame = Push.of(board.get(userId));
                for (String sessionId : watchers) {
                    Session session = sessions.byId(sessionId);
                    if (session != null && session.isOpen()) {
                        session.reply(frame);
                    }
                }
            }
        } catch (RuntimeException e) {
            // a push that fails must not have the record dead-lettered: the table holds it all the same
            LOG.warnf(e, "presence of %s not pushed", userId);
        }
    }

    /** The presence ops of a session: subscribePresence, unsubscribePresence and setStatus. */
    public void handle(Session session, Request request) {
        switch (request.op()) {
            case PresenceFrames.SUBSCRIBE -> subscribe(session, request);
            case PresenceFrames.UNSUBSCRIBE -> {
                subscriptions.unsubscribe(session.id(), request.requireUserIds());
                session.reply(Ack.success(request.id()));
            }
            case PresenceFrames.SET_STATUS -> setStatus(session, request);
            default -> throw new ProtocolException(ErrorCode.INVALID_REQUEST, "unknown op " + request.op());
        }
    }

    /** Subscribes, acks, then pushes the current state of each user: all under the lock pushes take, so in that order. */
    private void subscribe(Session session, Request request) {
        List<String> userIds = request.requireUserIds();
        long duration = request.requireDurationMillis();
        long now = System.currentTimeMillis();
        synchronized (subscriptions) {
            subscriptions.subscribe(session.id(), userIds,
                    duration < 0 ? PresenceSubscriptions.NEVER : now + duration, now);
            if (!session.isOpen()) {
                subscriptions.clear(session.id()); // it closed meanwhile: its clear may have come first
                return;
            }
            session.reply(Ack.success(request.id()));
            for (String userId : userIds) {
                session.reply(Push.of(board.get(userId)));
            }
        }
    }

    /** Writes the user's custom status (or clears it) to im.presence; acked once Kafka has it. Subscribers learn it from there. */
    private void setStatus(Session session, Request request) {
        String status = PresenceFrames.requireCustomStatus(request.customStatus());
        rateLimiter.require(RateLimiter.Kind.SET_STATUS, session.userId());
        String userId = session.userId();
        String value = status == null || status.isEmpty()
                ? null
                : JsonCodec.encode(Presence.status(config.nodeId(), config.nodeSlot(), publisher.epoch(), userId, status,
                        System.currentTimeMillis()));
        kafka.reliable().send(new ProducerRecord<>(Topics.PRESENCE, Presence.statusKey(userId),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8)))
                .orTimeout(config.produceTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((written, failure) -> session.reply(failure == null
                        ? Ack.success(request.id())
                        : Ack.failed(request.id(), new ProtocolException(ErrorCode.UNAVAILABLE,
                                "the status was not written; retry").toApiError())));
    }

    /** The presence of these users now, in the order asked ({@code GET /v1/presence}). */
    public List<UserPresence> lookup(List<String> userIds) {
        List<UserPresence> answer = new ArrayList<>(userIds.size());
        for (String userId : PresenceFrames.requireUserIds(userIds)) {
            answer.add(board.get(userId));
        }
        return answer;
    }

    /** A session ended: its subscriptions go. */
    public void sessionClosed(Session session) {
        if (subscriptions != null) {
            subscriptions.clear(session.id());
        }
    }

    @Scheduled(every = "30s", delayed = "30s")
    void expireSubscriptions() {
        if (subscriptions != null) {
            subscriptions.expire(System.currentTimeMillis());
        }
    }
}
