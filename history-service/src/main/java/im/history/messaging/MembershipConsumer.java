package im.history.messaging;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.quarkus.runtime.StartupEvent;

import im.pipeline.ConsumerLoop;
import im.pipeline.KafkaClients;
import im.pipeline.TableFold;
import im.protocol.Membership;
import im.protocol.MembershipView;
import im.protocol.RecordRules;
import im.protocol.Topics;

/**
 * Folds {@code im.membership} whole, from the beginning, so history knows who may read a group's messages; readiness
 * waits until it has read what the topic held at start. Broken records are dead-lettered and change nothing.
 */
@ApplicationScoped
public class MembershipConsumer {

    @Inject
    MembershipView view;

    @Inject
    KafkaClients kafka;

    @Produces
    @Singleton
    static MembershipView membershipView() {
        return new MembershipView();
    }

    void start(@Observes StartupEvent event) {
        kafka.start(kafka.loop("membership").assign(List.of(Topics.MEMBERSHIP), ConsumerLoop.Start.EARLIEST).catchUp()
                .handler(TableFold.of(Membership.class, RecordRules::checkMembership, view::apply)));
    }
}
