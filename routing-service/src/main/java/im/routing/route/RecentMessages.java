package im.routing.route;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import im.protocol.Message;

/**
 * The messages routing handed out in the last moments, per user (peer conversations), per group and per room: what a
 * session that appears right after a message was routed would have missed. Routing records a message and resolves its
 * recipients' presence while holding the message's logs; presence, once applied, reads the logs of the user it changed
 * under the same locks — so a message either saw the new session, or is in the log when the new session is replayed
 * (see {@code Replays}). Bounded: a window of time, a number of messages per log, a number of logs.
 */
public final class RecentMessages {

    /**
     * A message as routed.
     *
     * @param routedAt when routing handed it out, epoch milliseconds
     * @param conversationKey its conversation
     * @param message the message with its order stamps
     * @param excludeSessionId the sending session
     * @param roomId for room messages
     * @param toUserIds a room command's targets, or null
     */
    public record Entry(long routedAt, String conversationKey, Message message, String excludeSessionId, String roomId,
            List<String> toUserIds) {}

    /** The messages of one user, group or room; its monitor is the lock routing and presence share. */
    static final class Log {
        private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    }

    private final Duration window;
    private final int perLog;
    private final Cache<String, Log> logs;

    public RecentMessages(Duration window, int perLog, long maxLogs) {
        this.window = window;
        this.perLog = perLog;
        this.logs = Caffeine.newBuilder().maximumSize(maxLogs).expireAfterAccess(window.multipliedBy(2)).build();
    }

    public static String userLog(String userId) {
        return "u\n" + userId;
    }

    public static String groupLog(String groupId) {
        return "g\n" + groupId;
    }

    public static String roomLog(String roomId) {
        return "r\n" + roomId;
    }

    /**
     * Records {@code entry} in the logs named (in a fixed order, so two messages never wait for each other crosswise)
     * and, still holding them, resolves its recipients with {@code resolve}.
     */
    public <T> T record(List<String> logNames, Entry entry, Supplier<T> resolve) {
        List<Log> held = new ArrayList<>(logNames.size());
        for (String name : logNames.stream().sorted().distinct().toList()) {
            held.add(logs.get(name, n -> new Log()));
        }
        return recordHolding(held, 0, entry, resolve);
    }

    /**
     * Records {@code entry} in one log without holding it: for logs whose sessions the message reaches on top of its
     * conversation's (a group's tips to its targets), appended before the recipients are resolved, so a session that
     * appears after the resolution finds it here (the gateway drops a replay of what a session had).
     */
    public void append(String logName, Entry entry) {
        Log log = logs.get(logName, n -> new Log());
        synchronized (log) {
            log.entries.addLast(entry);
            trim(log, entry.routedAt());
        }
    }

    private <T> T recordHolding(List<Log> held, int index, Entry entry, Supplier<T> resolve) {
        if (index == held.size()) {
            return resolve.get();
        }
        Log log = held.get(index);
        synchronized (log) {
            log.entries.addLast(entry);
            trim(log, entry.routedAt());
            return recordHolding(held, index + 1, entry, resolve);
        }
    }

    /** What the named log holds from the window; to be called after the presence change it answers is applied. */
    public List<Entry> recent(String logName) {
        Log log = logs.getIfPresent(logName);
        if (log == null) {
            return List.of();
        }
        synchronized (log) {
            trim(log, System.currentTimeMillis());
            return List.copyOf(log.entries);
        }
    }

    private void trim(Log log, long now) {
        long oldest = now - window.toMillis();
        while (!log.entries.isEmpty() && (log.entries.size() > perLog || log.entries.peekFirst().routedAt() < oldest)) {
            log.entries.pollFirst();
        }
    }
}
