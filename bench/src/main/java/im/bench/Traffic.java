package im.bench;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Counts and times what the harness's sockets send and receive. Every payload carries its kind (one letter) and its
 * intended send time on the harness clock ({@code text = "<kind><nanos>;padding"}, for commands the same in base64
 * {@code data}); request ids are {@code <kind><nanos>} too, so acks and deliveries are timed from the intended send time
 * without any lookup table. Frames are scanned, not parsed into trees, to keep the client's CPU share small.
 */
final class Traffic implements Clients.Listener {

    /** Counters and latency histograms (microseconds) of one kind of message. */
    static final class Kind {
        final String name;
        final LongAdder sent = new LongAdder();
        final LongAdder acked = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder delivered = new LongAdder();
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        final Histogram ack = histogram();
        final Histogram deliver = histogram();

        Kind(String name) {
            this.name = name;
        }

        String errorSummary() {
            StringBuilder out = new StringBuilder();
            errors.forEach((code, n) -> out.append(out.length() == 0 ? "" : ", ").append(code).append(' ').append(n.sum()));
            return out.length() == 0 ? "-" : out.toString();
        }
    }

    static Histogram histogram() {
        return new ConcurrentHistogram(120_000_000L, 3);
    }

    /** Called on every ack (success or not), e.g. to send the next message of a closed-loop sender. */
    interface AckHook {
        void acked(Clients.Conn conn, char kind, boolean success);
    }

    /** Called on every counted delivery at the receiving socket, e.g. to send the next message of its pair. */
    interface DeliveryHook {
        void delivered(Clients.Conn receiver, char kind);
    }

    private final Kind[] kinds = new Kind[128];
    /** Messages intended before this are not timed (warm-up). */
    volatile long recordFrom;
    /** Messages intended before this are ignored altogether (an earlier step's stragglers). */
    volatile long ignoreBefore;
    volatile AckHook hook;
    volatile DeliveryHook deliveryHook;
    final LongAdder closing = new LongAdder();

    Kind kind(char letter, String name) {
        kinds[letter] = new Kind(name);
        return kinds[letter];
    }

    Kind get(char letter) {
        return kinds[letter];
    }

    /** Counts a send of kind {@code letter} intended at {@code at}. */
    void sent(char letter) {
        kinds[letter].sent.increment();
    }

    @Override
    public void onText(Clients.Conn conn, String text, long now) {
        if (text.startsWith("{\"op\":\"messages\"")) {
            deliveries(conn, text, now);
        } else if (text.startsWith("{\"op\":\"ack\"")) {
            ack(conn, text, now);
        } else if (text.contains("\"op\":\"messages\"")) {
            deliveries(conn, text, now);
        } else if (text.contains("\"op\":\"ack\"")) {
            ack(conn, text, now);
        } else if (text.contains("\"op\":\"closing\"")) {
            closing.increment();
        }
    }

    private void ack(Clients.Conn conn, String text, long now) {
        int at = text.indexOf("\"id\":\"");
        if (at < 0) {
            return;
        }
        at += 6;
        char letter = text.charAt(at);
        Kind kind = letter < 128 ? kinds[letter] : null;
        if (kind == null) {
            return;
        }
        long intended = number(text, at + 1);
        if (intended < ignoreBefore) {
            return;
        }
        boolean success = text.contains("\"status\":\"success\"");
        if (success) {
            kind.acked.increment();
            if (intended >= recordFrom) {
                kind.ack.recordValue(Math.max(0, (now - intended) / 1000));
            }
        } else {
            kind.failed.increment();
            int code = text.indexOf("\"code\":\"");
            String name = code < 0 ? "?" : text.substring(code + 8, text.indexOf('"', code + 8));
            kind.errors.computeIfAbsent(name, c -> new LongAdder()).increment();
        }
        AckHook h = hook;
        if (h != null) {
            h.acked(conn, letter, success);
        }
    }

    private void deliveries(Clients.Conn conn, String text, long now) {
        int from = 0;
        while (true) {
            int t = text.indexOf("\"text\":\"", from);
            int d = text.indexOf("\"data\":\"", from);
            int at = t < 0 ? d : d < 0 ? t : Math.min(t, d);
            if (at < 0) {
                return;
            }
            at += 8;
            if (at == d + 8) {
                int end = text.indexOf('"', at);
                String decoded = new String(Base64.getDecoder().decode(text.substring(at, end)), StandardCharsets.US_ASCII);
                delivered(conn, decoded, 0, now);
                from = end;
            } else {
                delivered(conn, text, at, now);
                from = at;
            }
        }
    }

    private void delivered(Clients.Conn conn, String text, int at, long now) {
        char letter = text.charAt(at);
        Kind kind = letter < 128 ? kinds[letter] : null;
        if (kind == null) {
            return;
        }
        long intended = number(text, at + 1);
        if (intended < ignoreBefore) {
            return;
        }
        kind.delivered.increment();
        if (intended >= recordFrom) {
            kind.deliver.recordValue(Math.max(0, (now - intended) / 1000));
        }
        DeliveryHook h = deliveryHook;
        if (h != null) {
            h.delivered(conn, letter);
        }
    }

    private static long number(String text, int at) {
        long value = 0;
        for (int i = at; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    // ---- frames the harness sends (hand-written JSON: the harness must stay cheap)

    static String payload(char kind, long intended, int size) {
        StringBuilder text = new StringBuilder(size + 24).append(kind).append(intended).append(';');
        while (text.length() < size) {
            text.append("lorem ipsum ");
        }
        text.setLength(Math.max(size, text.indexOf(";") + 1));
        return text.toString();
    }

    /**
     * A text send. Its clientMsgId is unique to the send (intended time and sequence): the gateway acks a clientMsgId it
     * has seen from the same sender without sending it again, so ids that repeated across latency steps (the sequence
     * alone, restarting at 0 for each rate) made every step after the first measure dedupe acks and deliver nothing
     * for its first part.
     */
    static String sendText(char kind, long intended, String peer, String priority, int size, long seq) {
        return "{\"op\":\"send\",\"id\":\"" + kind + intended + "\",\"to\":{\"type\":\"peer\",\"id\":\"" + peer
                + "\"},\"clientMsgId\":\"c" + intended + "-" + seq + "\",\"priority\":\"" + priority
                + "\",\"message\":{\"type\":\"text\",\"text\":\"" + payload(kind, intended, size) + "\"}}";
    }

    static String sendBarrage(char kind, long intended, String room, int size) {
        return "{\"op\":\"send\",\"id\":\"" + kind + intended + "\",\"to\":{\"type\":\"room\",\"id\":\"" + room
                + "\"},\"message\":{\"type\":\"barrage\",\"text\":\"" + payload(kind, intended, size) + "\"}}";
    }

    static String sendCommand(char kind, long intended, String room, String priority) {
        String data = Base64.getEncoder().encodeToString((kind + String.valueOf(intended) + ";").getBytes(
                StandardCharsets.US_ASCII));
        return "{\"op\":\"send\",\"id\":\"" + kind + intended + "\",\"to\":{\"type\":\"room\",\"id\":\"" + room
                + "\"},\"priority\":\"" + priority + "\",\"message\":{\"type\":\"command\",\"data\":\"" + data + "\"}}";
    }

    static String enterRoom(String room) {
        return "{\"op\":\"enterRoom\",\"id\":\"e0\",\"roomId\":\"" + room + "\"}";
    }
}
