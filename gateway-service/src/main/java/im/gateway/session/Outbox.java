package im.gateway.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import io.vertx.core.http.ServerWebSocket;

import im.protocol.ConversationRef;
import im.protocol.JsonCodec;
import im.protocol.Priority;

/**
 * A session's bounded outbound queue. Whoever offers a frame writes what is queued, on its own thread (the deliveries
 * loop, a Kafka callback, an event loop), without waiting for the socket: Vert.x hands the writes to the connection's
 * event loop and flushes once per burst. Consecutive messages of one conversation leave as a single {@code messages}
 * frame. When the socket's write queue is full, writing pauses until it drains, and frames wait here; when this queue is
 * full, barrage and low priority are shed first; when nothing can be shed for a message that must not be lost, or the
 * queue stays full for a whole queue's worth of shedding, the session is closed as a slow consumer, so one slow client
 * never stalls the others. Control frames (acks, pongs, broadcasts) never push messages out; they may overfill the queue
 * up to twice its size. Until the session's first frame is written ({@link #open}), everything waits.
 */
public final class Outbox {
    private static final int RANK_CONTROL = 4;
    private static final String MESSAGES_HEAD = "{\"op\":\"messages\",\"conversation\":";

    /** Told the rank (0 barrage, 1 low, 2 medium, 3 high) of every shed message. */
    @FunctionalInterface
    public interface Drops {
        void dropped(int rank);
    }

    /**
     * A message offered to many sessions (a room, a group, both sides of a peer conversation), as JSON already: routing
     * encodes it once, and every session writes those characters.
     *
     * @param json the message object's JSON
     * @param rank 0 barrage, 1 low, 2 medium, 3 high
     */
    public record Encoded(String json, int rank) {

        /** The rank of a message of this priority, or of barrage (always rank 0). */
        public static int rankOf(Priority priority, boolean barrage) {
            return barrage ? 0 : (priority == null ? Priority.LOW : priority).ordinal() + 1;
        }
    }

    private record Item(int rank, ConversationRef conversation, Encoded message, Object frame) {}

    private final ServerWebSocket socket;
    private final int capacity;
    private final Drops drops;
    private final Runnable slow;
    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    /** Frames encoded and waiting for the socket's write queue to drain; touched only by the one writer. */
    private final ArrayDeque<String> pending = new ArrayDeque<>();
    private boolean gated = true;
    private boolean closed;
    private boolean writing;
    private boolean waitingForDrain;
    private int shedSinceProgress;

    /**
     * @param socket where frames are written
     * @param capacity most queued items
     * @param drops told about every shed message
     * @param slow run when the session must be closed as a slow consumer
     */
    public Outbox(ServerWebSocket socket, int capacity, Drops drops, Runnable slow) {
        this.socket = socket;
        this.capacity = capacity;
        this.drops = drops;
        this.slow = slow;
    }

    /** Queues a message for the session and writes. */
    public void offerMessage(ConversationRef conversation, Encoded message) {
        offer(new Item(message.rank(), conversation, message, null));
    }

    /**
     * Queues a message without writing yet: the caller {@linkplain #flush() flushes} later, typically once per poll and
     * on the session's event loop, so a fan-out costs one task per event loop instead of one per frame. A session too
     * slow to take it is closed at once, as with {@link #offerMessage}.
     */
    public void queueMessage(ConversationRef conversation, Encoded message) {
        enqueue(new Item(message.rank(), conversation, message, null));
    }

    /** Writes what is queued (see {@link #queueMessage}). */
    public void flush() {
        write();
    }

    /** Queues a control frame (ack, pong, error, broadcast): never shed. A String is written as it is. */
    public void offerFrame(Object frame) {
        offer(new Item(RANK_CONTROL, null, null, frame));
    }

    /** Writes {@code first} ahead of everything queued so far, and lets the queue flow from now on. */
    public void open(Object first) {
        synchronized (this) {
            if (closed) {
                return;
            }
            gated = false;
            queue.addFirst(new Item(RANK_CONTROL, null, null, first));
        }
        write();
    }

    /** Stops writing; whatever is queued is discarded. */
    public synchronized void close() {
        closed = true;
        queue.clear();
    }

    /** Items waiting to be written. */
    public synchronized int size() {
        return queue.size();
    }

    private void offer(Item item) {
        if (enqueue(item)) {
            write();
        }
    }

    /** Queues the item; false (and the session reported slow) when it could not take it, or it is closed. */
    private boolean enqueue(Item item) {
        boolean tooSlow;
        synchronized (this) {
            if (closed) {
                return false;
            }
            tooSlow = !admit(item);
        }
        if (tooSlow) {
            slow.run();
        }
        return !tooSlow;
    }

    /** Queues the item, shedding lower ranks when full; false when the session is too slow to take it. */
    private boolean admit(Item item) {
        if (queue.size() >= capacity) {
            if (item.rank() == RANK_CONTROL) {
                if (queue.size() >= capacity * 2) {
                    return false; // control frames may overfill, never shed messages, but not without end
                }
            } else {
                boolean madeRoom = makeRoomFor(item);
                if (!madeRoom && item.rank() > Encoded.rankOf(Priority.LOW, false)) {
                    return false;
                }
                if (++shedSinceProgress > capacity) {
                    return false; // full for a whole queue's worth of shedding: the client is not reading
                }
                if (!madeRoom) {
                    drops.dropped(item.rank());
                    return true;
                }
            }
        }
        queue.addLast(item);
        return true;
    }

    /** Sheds the oldest queued message of a lower rank than {@code item}. */
    private boolean makeRoomFor(Item item) {
        for (int rank = 0; rank < item.rank(); rank++) {
            for (Iterator<Item> it = queue.iterator(); it.hasNext();) {
                Item queued = it.next();
                if (queued.rank() == rank) {
                    it.remove();
                    drops.dropped(rank);
                    return true;
                }
            }
        }
        return false;
    }

    /** Writes what is queued until the socket's own queue is full; one writer at a time. */
    private void write() {
        while (true) {
            List<Item> batch;
            synchronized (this) {
                if (closed || gated || writing || waitingForDrain || (queue.isEmpty() && pending.isEmpty())) {
                    return;
                }
                writing = true;
                batch = queue.isEmpty() ? List.of() : new ArrayList<>(queue);
                queue.clear();
            }
            boolean full = false;
            try {
                encode(batch, pending);
                while (!pending.isEmpty()) {
                    socket.writeTextMessage(pending.poll());
                    if (socket.writeQueueFull()) {
                        full = true;
                        break;
                    }
                }
            } catch (IllegalStateException e) {
                closedUnderneath(); // the socket closed while this writer wrote (Vert.x throws "WebSocket is closed")
                return;
            } finally {
                synchronized (this) {
                    writing = false;
                    shedSinceProgress = 0;
                    waitingForDrain = full;
                }
            }
            if (full && awaitDrain()) {
                return;
            }
        }
    }

    /**
     * Asks the socket for a drain event; true when writing must wait for it. Vert.x fires that event only when the socket
     * turns writable with a handler set: a writer on another thread than the socket's event loop (a Kafka callback, the
     * deliveries loop) can see the queue full, and the event loop drain it before the handler is set. Then no event comes,
     * so the queue is looked at again once the handler is set; without that, the session would wait for ever.
     */
    private boolean awaitDrain() {
        try {
            socket.drainHandler(drained -> {
                synchronized (this) {
                    waitingForDrain = false;
                }
                write();
            });
            if (socket.writeQueueFull()) {
                return true;
            }
        } catch (IllegalStateException e) {
            closedUnderneath();
            return true;
        }
        synchronized (this) {
            waitingForDrain = false;
        }
        return false;
    }

    /** The socket is closed: nothing more can be written; the session's close handler ends the session. */
    private synchronized void closedUnderneath() {
        closed = true;
        queue.clear();
    }

    private static void encode(List<Item> batch, ArrayDeque<String> frames) {
        LastFrame last = LAST_FRAME.get();
        int i = 0;
        while (i < batch.size()) {
            Item item = batch.get(i);
            if (item.message() == null) {
                frames.add(item.frame() instanceof String text ? text : JsonCodec.encode(item.frame()));
                i++;
                continue;
            }
            int j = i + 1;
            while (j < batch.size() && batch.get(j).message() != null
                    && batch.get(j).conversation().equals(item.conversation())) {
                j++;
            }
            String frame = last.matches(batch, i, j) ? last.frame : last.remember(batch, i, j, messagesFrame(batch, i, j));
            frames.add(frame);
            i = j;
        }
    }

    /** One {@code messages} frame for the run {@code [from, to)} of messages of one conversation. */
    private static String messagesFrame(List<Item> batch, int from, int to) {
        Item first = batch.get(from);
        int length = MESSAGES_HEAD.length() + 64;
        for (int k = from; k < to; k++) {
            length += batch.get(k).message().json().length() + 1;
        }
        StringBuilder frame = new StringBuilder(length);
        // ids are of the id charset, which has no character JSON must escape
        frame.append(MESSAGES_HEAD).append("{\"type\":\"").append(first.conversation().type().wireName())
                .append("\",\"id\":\"").append(first.conversation().id()).append("\"},\"messages\":[");
        for (int k = from; k < to; k++) {
            if (k > from) {
                frame.append(',');
            }
            frame.append(batch.get(k).message().json());
        }
        return frame.append("]}").toString();
    }

    /**
     * The last {@code messages} frame built on this thread and what it was built from: a room's members on one event loop
     * get the same messages in one flush, so the frame is built once for all of them.
     */
    private static final ThreadLocal<LastFrame> LAST_FRAME = ThreadLocal.withInitial(LastFrame::new);

    private static final class LastFrame {
        private ConversationRef conversation;
        private Encoded[] messages = new Encoded[0];
        private String frame;

        boolean matches(List<Item> batch, int from, int to) {
            if (frame == null || messages.length != to - from
                    || !batch.get(from).conversation().equals(conversation)) {
                return false;
            }
            for (int k = from; k < to; k++) {
                if (batch.get(k).message() != messages[k - from]) {
                    return false; // the same message object: routing encoded it once for every recipient
                }
            }
            return true;
        }

        String remember(List<Item> batch, int from, int to, String built) {
            conversation = batch.get(from).conversation();
            messages = new Encoded[to - from];
            for (int k = from; k < to; k++) {
                messages[k - from] = batch.get(k).message();
            }
            frame = built;
            return built;
        }
    }
}
