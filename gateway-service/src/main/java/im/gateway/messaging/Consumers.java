package im.gateway.messaging;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import io.quarkus.runtime.StartupEvent;

import im.gateway.config.GatewayConfig;
import im.gateway.outbound.Deliveries;
import im.gateway.session.Session;
import im.gateway.session.SessionRegistry;
import im.pipeline.Batch;
import im.pipeline.ConsumerLoop;
import im.pipeline.KafkaClients;
import im.pipeline.TableFold;
import im.protocol.Broadcast;
import im.protocol.CloseCode;
import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.MembershipView;
import im.protocol.ProtocolException;
import im.protocol.RecordHeaders;
import im.protocol.RecordRules;
import im.protocol.Topics;
import im.protocol.UserKick;

/**
 * The tables and broadcasts this node reads from Kafka, each on a poll loop with the system's one failure policy: every
 * broadcast and kick (from now on) and the whole membership table (from the beginning; the node is ready only once it is loaded,
 * so a group send never sees an empty table). A record that cannot be read is dead-lettered on its own. Deliveries are
 * the outbound pipeline's ({@link Deliveries}).
 */
@ApplicationScoped
public class Consumers {

    @Inject
    Deliveries delivering;

    @Inject
    SessionRegistry sessions;

    @Inject
    MembershipView membership;

    @Inject
    KafkaClients kafka;

    @Inject
    GatewayConfig config;

    private ConsumerLoop membershipLoop;

    @Produces
    @Singleton
    static MembershipView membershipView() {
        return new MembershipView();
    }

    void start(@Observes StartupEvent event) {
        membershipLoop = kafka.start(kafka.loop("membership").assign(List.of(Topics.MEMBERSHIP), ConsumerLoop.Start.EARLIEST)
                .catchUp().handler(TableFold.of(Membership.class, RecordRules::checkMembership, membership::apply)));
        kafka.start(kafka.loop("broadcast").assign(List.of(Topics.BROADCAST), ConsumerLoop.Start.LATEST)
                .handler(this::broadcast));
    }

    /** Completes once the membership table holds what the topic held when the node started. */
    public CompletableFuture<Void> membershipLoaded() {
        return membershipLoop.caughtUp();
    }

    private CompletableFuture<?> broadcast(Batch batch) {
        for (ConsumerRecord<String, byte[]> record : batch.records()) {
            try {
                if (isKick(record)) {
                    UserKick kick = JsonCodec.decode(record.value(), UserKick.class);
                    RecordRules.checkKick(kick);
                    for (Session session : List.copyOf(sessions.ofUser(kick.userId()))) {
                        session.close(CloseCode.KICKED);
                    }
                    continue;
                }
                Broadcast broadcast = JsonCodec.decode(record.value(), Broadcast.class);
                RecordRules.checkBroadcast(broadcast);
                delivering.broadcast(broadcast);
            } catch (ProtocolException e) {
                batch.deadLetter(record, e);
            }
        }
        return null;
    }

    /** A kick, not a broadcast: by its {@code im-type} header, which push-service and the schema's writers set. */
    private static boolean isKick(ConsumerRecord<String, byte[]> record) {
        Header type = record.headers().lastHeader(RecordHeaders.TYPE);
        return type != null && UserKick.EVENT.equals(new String(type.value(), StandardCharsets.UTF_8));
    }
}
