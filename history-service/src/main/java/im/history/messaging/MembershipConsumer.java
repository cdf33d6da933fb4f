package im.history.messaging;

import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.MembershipView;
import im.protocol.ProtocolException;

/** Folds {@code im.membership} whole, so history knows who may read a group's messages. */
@ApplicationScoped
public class MembershipConsumer {

    @Inject
    MembershipView view;

    @Produces
    @Singleton
    static MembershipView membershipView() {
        return new MembershipView();
    }

    @Incoming("membership")
    public CompletionStage<Void> apply(Message<String> record) {
        String key = record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> (String) m.getKey()).orElse(null);
        try {
            String value = record.getPayload();
            view.apply(key, value == null ? null : JsonCodec.decode(value, Membership.class));
        } catch (ProtocolException e) {
            // an unreadable membership record changes nothing here; routing dead-letters its copy
        }
        return record.ack();
    }
}
