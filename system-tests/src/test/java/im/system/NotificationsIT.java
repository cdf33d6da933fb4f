package im.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import im.protocol.ClientFrame;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.JsonCodec;
import im.protocol.MessageContent;
import im.protocol.Notification;
import im.protocol.SendRequest;
import im.protocol.ServerFrames.Ack;
import im.protocol.Topics;
import im.testkit.TopicProbe;
import im.testkit.WsClient;

/**
 * {@code im.notifications} with the packaged services: a message to a user with an online session (on another gateway
 * node) is not notified, one to a user who never connected is, and once a user's last session is gone (after the
 * offline grace, 1 s here) their messages are notified with the unread counts.
 */
class NotificationsIT {
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = Stack.get();
    }

    private static Ack send(WsClient ws, String to, String text) {
        return ws.request(ClientFrame.send(null, new SendRequest(new ConversationRef(ConversationType.PEER, to),
                MessageContent.text(text), UUID.randomUUID().toString(), null, null, null, null)));
    }

    private static List<Notification> of(TopicProbe probe, String userId) {
        return probe.drain().stream().filter(r -> userId.equals(r.key()))
                .map(r -> JsonCodec.decode(r.value(), Notification.class)).toList();
    }

    @Test
    void onlyRecipientsWithNoOnlineSession_areNotified() {
        String alice = Stack.user("alice");
        String bob = Stack.user("bob");
        String carol = Stack.user("carol");
        try (TopicProbe probe = TopicProbe.fromEnd(stack.kafka.bootstrapServers(), Topics.NOTIFICATIONS);
                WsClient a = stack.connect(1, alice)) {
            Ack whileOnline;
            try (WsClient b = stack.connect(2, bob)) {
                stack.awaitPresence(bob, 1);
                whileOnline = send(a, bob, "you are online");
                assertThat(whileOnline.isSuccess()).isTrue();
                b.awaitMessages(1);
                Ack toCarol = send(a, carol, "you never connected");
                probe.await(r -> carol.equals(r.key()) && r.value().contains(toCarol.messageId()));
            }
            stack.awaitPresence(bob, 0);
            Ack whileOffline = send(a, bob, "and now you are gone");

            probe.await(r -> bob.equals(r.key()) && r.value().contains(whileOffline.messageId()));
            // one partition per key: a notification of the first message would have come before this one
            List<Notification> bobs = of(probe, bob);
            assertThat(bobs).extracting(Notification::messageId).containsExactly(whileOffline.messageId());
            assertThat(bobs.get(0).conversationUnreadCount()).isEqualTo(2);
            assertThat(bobs.get(0).preview()).isEqualTo("and now you are gone");
            assertThat(of(probe, alice)).isEmpty();
        }
    }
}
