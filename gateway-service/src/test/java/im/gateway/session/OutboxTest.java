package im.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.ServerWebSocket;

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

    /** A socket whose write queue is full or not as the test says (a stand-in for this one class's unit test). */
    private static final class Socket {
        final List<String> written = new ArrayList<>();
        boolean full;
        /** The event loop drains the socket right after a writer saw it full, before that writer sets its handler. */
        boolean drainsBeforeTheHandlerIsSet;
        boolean closed;
        Handler<Void> drain;
        final ServerWebSocket proxy = (ServerWebSocket) Proxy.newProxyInstance(OutboxTest.class.getClassLoader(),
                new Class<?>[]{ServerWebSocket.class}, (self, method, args) -> switch (method.getName()) {
                    case "writeTextMessage" -> {
                        written.add((String) args[0]);
                        yield Future.succeededFuture();
                    }
                    case "writeQueueFull" -> {
                        if (closed) {
                            throw new IllegalStateException("WebSocket is closed"); // as Vert.x does
                        }
                        boolean wasFull = full;
                        if (full && drainsBeforeTheHandlerIsSet) {
                            drainsBeforeTheHandlerIsSet = false;
                            full = false; // drained; Vert.x fires the drain event only to a handler set by then
                        }
                        yield wasFull;
                    }
                    case "drainHandler" -> {
                        @SuppressWarnings("unchecked")
                        Handler<Void> handler = (Handler<Void>) args[0];
                        drain = handler;
                        yield self;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });

        void drained() {
            full = false;
            drain.handle(null);
        }
    }

    private static Outbox.Encoded message(String text, Priority priority) {
        Message message = new Message("m-" + text, null, 1L, null, new Sender("alice", null), 1L, priority, null, null,
                MessageContent.text(text));
        return new Outbox.Encoded(JsonCodec.encode(message), Outbox.Encoded.rankOf(priority, false));
    }

    /** An opened outbox of 100 whose drops and slow-consumer calls nobody looks at. */
    private static Outbox open(Socket socket) {
        return open(socket, 100, rank -> {
        }, () -> {
        });
    }

    private static Outbox open(Socket socket, int capacity, Outbox.Drops drops, Runnable slow) {
        Outbox outbox = new Outbox(socket.proxy, capacity, drops, slow);
        outbox.open(ServerFrames.Pong.of("first"));
        return outbox;
    }

    @Test
    void nothingLeavesBeforeTheFirstFrame_andTheFirstFrameLeavesFirst() {
        Socket socket = new Socket();
        Outbox outbox = new Outbox(socket.proxy, 10, rank -> {
        }, () -> {
        });
        outbox.offerFrame(ServerFrames.Pong.of("queued"));
        assertThat(socket.written).isEmpty();

        outbox.open("{\"op\":\"session\"}");

        assertThat(socket.written).containsExactly("{\"op\":\"session\"}", JsonCodec.encode(ServerFrames.Pong.of("queued")));
    }

    @Test
    void aSocketThatDrainsBeforeTheDrainHandlerIsSet_doesNotStopTheSession() {
        Socket socket = new Socket();
        Outbox outbox = open(socket);
        socket.full = true;
        socket.drainsBeforeTheHandlerIsSet = true;
        outbox.offerFrame(ServerFrames.Pong.of("seen full"));

        outbox.offerFrame(ServerFrames.Pong.of("after"));

        assertThat(socket.written).as("no drain event will come: the writer looks again once its handler is set")
                .containsExactly(JsonCodec.encode(ServerFrames.Pong.of("first")),
                        JsonCodec.encode(ServerFrames.Pong.of("seen full")), JsonCodec.encode(ServerFrames.Pong.of("after")));
    }

    @Test
    void aSocketClosedUnderTheWriter_endsTheWritingWithoutThrowing() {
        Socket socket = new Socket();
        Outbox outbox = open(socket);
        socket.closed = true;

        outbox.offerFrame(ServerFrames.Pong.of("late"));
        outbox.offerMessage(ALICE, message("later", Priority.HIGH));

        assertThat(socket.written).hasSize(2); // the first frame, and the one written when the socket said it was closed
        assertThat(outbox.size()).isZero();
    }

    @Test
    void queuedMessagesOfOneConversation_leaveAsOneFrame() {
        Socket socket = new Socket();
        Outbox outbox = open(socket);
        socket.full = true;
        outbox.offerMessage(ALICE, message("first", Priority.LOW));
        outbox.offerMessage(ALICE, message("a", Priority.LOW));
        outbox.offerMessage(ALICE, message("b", Priority.LOW));
        outbox.offerMessage(ROOM, message("c", Priority.LOW));

        socket.drained();

        assertThat(socket.written).as("the first frame, the first message, then the rest batched").hasSize(4);
        ServerFrames.Messages batch = JsonCodec.decode(socket.written.get(2), ServerFrames.Messages.class);
        assertThat(batch.conversation()).isEqualTo(ALICE);
        assertThat(batch.messages()).extracting(m -> m.content().text()).containsExactly("a", "b");
        assertThat(JsonCodec.decode(socket.written.get(3), ServerFrames.Messages.class).conversation()).isEqualTo(ROOM);
    }

    @Test
    void fullQueue_shedsBarrageAndLowFirst_keepsHigh_andControlFramesNeverPushMessagesOut() {
        Socket socket = new Socket();
        List<Integer> dropped = new ArrayList<>();
        AtomicInteger slow = new AtomicInteger();
        Outbox outbox = open(socket, 3, dropped::add, slow::incrementAndGet);
        socket.full = true;
        outbox.offerMessage(ALICE, message("in flight", Priority.LOW));
        Message barrage = new Message("b", null, null, null, new Sender("x", null), 1L, Priority.HIGH, null, null,
                MessageContent.barrage("wow"));
        outbox.offerMessage(ROOM, new Outbox.Encoded(JsonCodec.encode(barrage), Outbox.Encoded.rankOf(Priority.HIGH, true)));
        outbox.offerMessage(ALICE, message("low", Priority.LOW));
        outbox.offerMessage(ALICE, message("high-1", Priority.HIGH));

        outbox.offerMessage(ALICE, message("high-2", Priority.HIGH));
        outbox.offerMessage(ALICE, message("high-3", Priority.HIGH));
        assertThat(dropped).containsExactly(0, 1);
        assertThat(slow).hasValue(0);
        outbox.offerFrame(ServerFrames.Pong.of("p"));
        assertThat(outbox.size()).isEqualTo(4);
        outbox.offerMessage(ALICE, message("high-4", Priority.HIGH));
        assertThat(slow).as("nothing left to shed").hasValue(1);
    }

    @Test
    void aClientThatStopsReading_isReportedSlow_evenWhenOnlyLowPriorityArrives() {
        Socket socket = new Socket();
        AtomicInteger slow = new AtomicInteger();
        Outbox outbox = open(socket, 10, rank -> {
        }, slow::incrementAndGet);
        socket.full = true;
        int offered = 0;
        while (slow.get() == 0 && offered < 1000) {
            outbox.offerMessage(ALICE, message("m" + offered, Priority.LOW));
            offered++;
        }
        assertThat(slow).hasValue(1);
        assertThat(offered).isLessThan(100);
    }

    @Test
    void aMessageSharedBySessions_isWrittenExactlyAsTheCodecWritesTheFrame() {
        Socket one = new Socket();
        Socket two = new Socket();
        Outbox first = open(one, 10, rank -> {
        }, () -> {
        });
        Outbox second = open(two, 10, rank -> {
        }, () -> {
        });
        Message shared = new Message("m-1", "c-1", 7L, 6L, new Sender("alice", "Alice \"A\""), 1L, Priority.HIGH, null,
                null, MessageContent.text("h\u00e9llo \"quoted\" \\ end"));
        Outbox.Encoded encoded = new Outbox.Encoded(JsonCodec.encode(shared), 3);

        first.offerMessage(ROOM, encoded);
        second.offerMessage(ALICE, encoded);

        assertThat(one.written.get(1)).isEqualTo(JsonCodec.encode(ServerFrames.Messages.of(ROOM, List.of(shared))));
        assertThat(two.written.get(1)).isEqualTo(JsonCodec.encode(ServerFrames.Messages.of(ALICE, List.of(shared))));
    }

    @Test
    void queuedMessages_leaveOnFlush_andSessionsWithTheSameMessagesGetTheSameFrame_othersTheirOwn() {
        Socket one = new Socket();
        Socket two = new Socket();
        Socket three = new Socket();
        Outbox first = open(one, 10, rank -> {
        }, () -> {
        });
        Outbox second = open(two, 10, rank -> {
        }, () -> {
        });
        Outbox third = open(three, 10, rank -> {
        }, () -> {
        });
        Outbox.Encoded a = message("a", Priority.LOW);
        Outbox.Encoded b = message("b", Priority.LOW);
        Outbox.Encoded equalToA = message("a", Priority.LOW);

        first.queueMessage(ROOM, a);
        first.queueMessage(ROOM, b);
        second.queueMessage(ROOM, a);
        second.queueMessage(ROOM, b);
        third.queueMessage(ROOM, a);
        assertThat(one.written).as("nothing before the flush").hasSize(1);
        first.flush();
        second.flush();
        third.flush();
        first.queueMessage(ALICE, a);
        first.queueMessage(ALICE, b);
        first.flush();
        second.queueMessage(ROOM, equalToA);
        second.flush();

        assertThat(one.written.get(1)).isEqualTo(two.written.get(1));
        assertThat(JsonCodec.decode(one.written.get(1), ServerFrames.Messages.class).messages())
                .extracting(m -> m.content().text()).containsExactly("a", "b");
        assertThat(JsonCodec.decode(three.written.get(1), ServerFrames.Messages.class).messages())
                .extracting(m -> m.content().text()).containsExactly("a");
        ServerFrames.Messages otherConversation = JsonCodec.decode(one.written.get(2), ServerFrames.Messages.class);
        assertThat(otherConversation.conversation()).isEqualTo(ALICE);
        assertThat(otherConversation.messages()).extracting(m -> m.content().text()).containsExactly("a", "b");
        assertThat(JsonCodec.decode(two.written.get(2), ServerFrames.Messages.class).messages())
                .extracting(m -> m.content().text()).containsExactly("a");
    }
}
