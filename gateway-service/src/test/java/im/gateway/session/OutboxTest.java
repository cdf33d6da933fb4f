package im.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;

import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.Priority;
import im.protocol.Sender;
import im.protocol.ServerFrames;

/** The per-session queue: batching per conversation, shedding by priority, closing clients that stop reading. */
class OutboxTest {
    private static final ConversationRef ALICE = new ConversationRef(ConversationType.PEER, "alice");
    private static final ConversationRef ROOM = new ConversationRef(ConversationType.ROOM, "r1");

    /** A client whose socket accepts writes only when the test says so. */
    private static final class Client implements io.quarkus.websockets.next.Sender {
        final List<String> written = new ArrayList<>();
        final List<CompletableFuture<Void>> pending = new ArrayList<>();

        @Override
        public Uni<Void> sendText(String message) {
            written.add(message);
            CompletableFuture<Void> done = new CompletableFuture<>();
            pending.add(done);
            return Uni.createFrom().completionStage(done);
        }

        @Override
        public <M> Uni<Void> sendText(M message) {
            return sendText(JsonCodec.encode(message));
        }

        @Override
        public Uni<Void> sendBinary(Buffer message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Uni<Void> sendPing(Buffer data) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Uni<Void> sendPong(Buffer data) {
            throw new UnsupportedOperationException();
        }

        void flushOne() {
            pending.remove(0).complete(null);
        }
    }

    private static Message message(String text, Priority priority) {
        return new Message("m-" + text, null, 1L, null, new Sender("alice", null), 1L, priority, null, null,
                MessageContent.text(text));
    }

    @Test
    void queuedMessagesOfOneConversation_leaveAsOneFrame() {
        Client client = new Client();
        Outbox outbox = new Outbox(client, 100, rank -> {
        });
        outbox.offerMessage(ALICE, message("first", Priority.LOW));
        outbox.offerMessage(ALICE, message("a", Priority.LOW));
        outbox.offerMessage(ALICE, message("b", Priority.LOW));
        outbox.offerMessage(ROOM, message("c", Priority.LOW));

        client.flushOne();
        client.flushOne();

        assertThat(client.written).as("one write at a time").hasSize(3);
        ServerFrames.Messages batch = JsonCodec.decode(client.written.get(1), ServerFrames.Messages.class);
        assertThat(batch.messages()).extracting(m -> m.content().text()).containsExactly("a", "b");
        assertThat(JsonCodec.decode(client.written.get(2), ServerFrames.Messages.class).conversation()).isEqualTo(ROOM);
    }

    @Test
    void fullQueue_shedsBarrageAndLowFirst_keepsHigh_andControlFramesNeverPushMessagesOut() {
        Client client = new Client();
        List<Integer> dropped = new ArrayList<>();
        Outbox outbox = new Outbox(client, 3, dropped::add);
        outbox.offerMessage(ALICE, message("in flight", Priority.LOW));
        outbox.offerMessage(ROOM, new Message("b", null, null, null, new Sender("x", null), 1L, Priority.HIGH, null, null,
                MessageContent.barrage("wow")));
        outbox.offerMessage(ALICE, message("low", Priority.LOW));
        outbox.offerMessage(ALICE, message("high-1", Priority.HIGH));

        assertThat(outbox.offerMessage(ALICE, message("high-2", Priority.HIGH))).isTrue();
        assertThat(outbox.offerMessage(ALICE, message("high-3", Priority.HIGH))).isTrue();
        assertThat(dropped).containsExactly(0, 1);
        assertThat(outbox.offerFrame(ServerFrames.Pong.of("p"))).isTrue();
        assertThat(outbox.size()).isEqualTo(4);
        assertThat(outbox.offerMessage(ALICE, message("high-4", Priority.HIGH))).as("nothing left to shed").isFalse();
    }

    @Test
    void aClientThatStopsReading_isReportedSlow_evenWhenOnlyLowPriorityArrives() {
        Client client = new Client();
        Outbox outbox = new Outbox(client, 10, rank -> {
        });
        boolean accepted = true;
        int offered = 0;
        while (accepted && offered < 1000) {
            accepted = outbox.offerMessage(ALICE, message("m" + offered, Priority.LOW));
            offered++;
        }
        assertThat(accepted).isFalse();
        assertThat(offered).isLessThan(100);
    }

    @Test
    void aMessageSharedBySessions_isWrittenExactlyAsTheCodecWritesTheFrame() {
        Client one = new Client();
        Client two = new Client();
        Outbox first = new Outbox(one, 10, rank -> {
        });
        Outbox second = new Outbox(two, 10, rank -> {
        });
        Message shared = new Message("m-1", "c-1", 7L, 6L, new Sender("alice", "Alice \"A\""), 1L, Priority.HIGH, null,
                null, MessageContent.text("h\u00e9llo \"quoted\" \\ end"));
        Outbox.Encoded encoded = new Outbox.Encoded(shared);

        first.offerMessage(ROOM, encoded);
        second.offerMessage(ALICE, encoded);

        assertThat(one.written).containsExactly(JsonCodec.encode(ServerFrames.Messages.of(ROOM, List.of(shared))));
        assertThat(two.written).containsExactly(JsonCodec.encode(ServerFrames.Messages.of(ALICE, List.of(shared))));
    }
}
