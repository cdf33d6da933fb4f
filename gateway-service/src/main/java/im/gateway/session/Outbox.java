package im.gateway.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.StringJoiner;
import java.util.function.IntConsumer;

import com.fasterxml.jackson.annotation.JsonRawValue;

import io.quarkus.websockets.next.Sender;
import io.smallrye.mutiny.Uni;

import im.protocol.ConversationRef;
import im.protocol.JsonCodec;
import im.protocol.Message;
import im.protocol.MessageType;
import im.protocol.Priority;
import im.protocol.ServerFrames;

/**
 * A session's bounded outbound queue. One writer at a time drains it; consecutive messages of one conversation leave as a
 * single {@code messages} frame. When the queue is full, barrage and low priority are shed first; when nothing can be shed
 * for a message that must not be lost, or the queue stays full for a whole queue's worth of shedding, {@link #offerMessage}
 * answers false and the caller closes the session as a slow consumer, so one slow client never stalls the others.
 * Control frames (acks, pongs, broadcasts) never push messages out; they may overfill the queue up to twice its size.
 */
public final class Outbox {
    private static final int RANK_CONTROL = 4;
    private static final String MESSAGES = ServerFrames.Messages.of(null, List.of()).op();

    private final Sender sender;
    private final int capacity;
    private final IntConsumer dropped;
    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    private boolean writing;
    private boolean closed;
    private int shedSinceProgress;

    private record Item(int rank, ConversationRef conversation, Encoded message, Object frame) {}

    /**
     * A message offered to many sessions (a room, a group, both sides of a peer conversation): its JSON is made once, by
     * the first session that writes it, and shared by the rest, instead of once per recipient.
     */
    public static final class Encoded {
        private final Message message;
        private volatile String json;

        public Encoded(Message message) {
            this.message = message;
        }

        String json() {
            String value = json;
            if (value == null) {
                value = JsonCodec.encode(message);
                json = value;
            }
            return value;
        }
    }

    /** A {@code messages} frame whose messages are JSON already (see {@link Encoded}); same shape as Messages. */
    private record MessagesFrame(String op, ConversationRef conversation, @JsonRawValue String messages) {}

    /**
     * @param sender where frames are written
     * @param capacity most queued items
     * @param dropped told the rank (0 barrage, 1 low, 2 medium, 3 high) of every shed message
     */
    public Outbox(Sender sender, int capacity, IntConsumer dropped) {
        this.sender = sender;
        this.capacity = capacity;
        this.dropped = dropped;
    }

    /** Queues a message for the session; false when the session is too slow to take it and must be closed. */
    public boolean offerMessage(ConversationRef conversation, Message message) {
        return offerMessage(conversation, new Encoded(message));
    }

    /** Queues a message shared with other sessions; false when the session is too slow to take it and must be closed. */
    public boolean offerMessage(ConversationRef conversation, Encoded message) {
        return offer(new Item(rank(message.message), conversation, message, null));
    }

    /** Queues a control frame (ack, pong, error, broadcast, closing): never shed. */
    public boolean offerFrame(Object frame) {
        return offer(new Item(RANK_CONTROL, null, null, frame));
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

    private boolean offer(Item item) {
        synchronized (this) {
            if (closed) {
                return true;
            }
            if (queue.size() >= capacity) {
                if (item.rank() == RANK_CONTROL) {
                    if (queue.size() >= capacity * 2) {
                        return false; // control frames may overfill, never shed messages, but not without end
                    }
                } else {
                    boolean madeRoom = makeRoomFor(item);
                    if (!madeRoom && item.rank() > rank(Priority.LOW)) {
                        return false;
                    }
                    if (++shedSinceProgress > capacity) {
                        return false; // full for a whole queue's worth of shedding: the client is not reading
                    }
                    if (!madeRoom) {
                        dropped.accept(item.rank());
                        return true;
                    }
                }
            }
            queue.addLast(item);
            if (writing) {
                return true;
            }
            writing = true;
        }
        drain();
        return true;
    }

    /** Sheds the oldest queued message of a lower rank than {@code item}. */
    private boolean makeRoomFor(Item item) {
        for (int rank = 0; rank < item.rank(); rank++) {
            for (Iterator<Item> it = queue.iterator(); it.hasNext();) {
                Item queued = it.next();
                if (queued.rank() == rank) {
                    it.remove();
                    dropped.accept(rank);
                    return true;
                }
            }
        }
        return false;
    }

    private void drain() {
        List<Item> batch;
        synchronized (this) {
            if (queue.isEmpty() || closed) {
                writing = false;
                return;
            }
            batch = new ArrayList<>(queue);
            queue.clear();
        }
        write(encode(batch), 0);
    }

    private void write(List<String> frames, int index) {
        if (index == frames.size()) {
            drain();
            return;
        }
        Uni<Void> sent = sender.sendText(frames.get(index));
        sent.subscribe().with(ok -> {
            synchronized (this) {
                shedSinceProgress = 0;
            }
            write(frames, index + 1);
        }, failure -> {
            synchronized (this) {
                closed = true;
                writing = false;
                queue.clear();
            }
        });
    }

    private static List<String> encode(List<Item> batch) {
        List<String> frames = new ArrayList<>(batch.size());
        int i = 0;
        while (i < batch.size()) {
            Item item = batch.get(i);
            if (item.message() == null) {
                frames.add(item.frame() instanceof String text ? text : JsonCodec.encode(item.frame()));
                i++;
                continue;
            }
            StringJoiner messages = new StringJoiner(",", "[", "]");
            int j = i;
            while (j < batch.size() && batch.get(j).message() != null
                    && batch.get(j).conversation().equals(item.conversation())) {
                messages.add(batch.get(j).message().json());
                j++;
            }
            frames.add(JsonCodec.encode(new MessagesFrame(MESSAGES, item.conversation(), messages.toString())));
            i = j;
        }
        return frames;
    }

    private static int rank(Message message) {
        if (message.content() != null && message.content().type() == MessageType.BARRAGE) {
            return 0;
        }
        return rank(message.priority() == null ? Priority.LOW : message.priority());
    }

    private static int rank(Priority priority) {
        return priority.ordinal() + 1;
    }
}
