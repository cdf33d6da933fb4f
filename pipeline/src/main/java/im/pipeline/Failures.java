package im.pipeline;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.common.errors.RetriableException;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * The failure policy's one judgement: is a failure <em>transient</em> (a dependency is unavailable or slow: retry the same
 * records, for as long as it lasts) or does the record itself make it fail (dead-letter it, move on)? Decided from the
 * cause chain: Kafka's retriable errors, connection and resource SQLStates, timeouts and {@link Transient} are
 * transient; a {@link ProtocolException} is permanent unless it says {@code UNAVAILABLE}; so is a database refusal of the
 * content (data exceptions, constraint violations) and anything else, so an unexpected bug dead-letters the record that
 * triggers it instead of stopping the partition.
 */
public final class Failures {

    private Failures() {
    }

    /** Marks a failure as transient whatever its cause: the work is retried, never dead-lettered. */
    public static final class Transient extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Transient(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Whether retrying the same work later can succeed. */
    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Transient || t instanceof RetriableException || t instanceof TimeoutException
                    || t instanceof ConnectException || t instanceof SocketTimeoutException
                    || t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof ProtocolException p) {
                return p.code() == ErrorCode.UNAVAILABLE;
            }
            if (t instanceof SQLException sql) {
                return isTransientSqlState(sql.getSQLState());
            }
        }
        return false;
    }

    /**
     * SQLState classes that describe the database, not the data: 08 connection, 53 insufficient resources, 57 operator
     * intervention (shutdown, statement timeout), 58 system error, 40 rollback (serialization, deadlock), 55P03 lock not
     * available; no state at all is what connection pools report (acquisition timeout).
     */
    static boolean isTransientSqlState(String state) {
        if (state == null || state.length() < 2) {
            return true;
        }
        return switch (state.substring(0, 2)) {
            case "08", "53", "57", "58", "40" -> true;
            default -> "55P03".equals(state);
        };
    }

    /** The catalogued code and a one-line detail for a record that can never succeed. */
    public static ProtocolException asRefusal(Throwable failure) {
        Throwable root = unwrap(failure);
        for (Throwable t = root; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProtocolException p) {
                return p;
            }
            if (t instanceof SQLException sql) {
                return new ProtocolException(ErrorCode.INVALID_REQUEST,
                        "refused by the database (SQLState " + sql.getSQLState() + "): " + firstLine(sql.getMessage()));
            }
        }
        return new ProtocolException(ErrorCode.INTERNAL,
                root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + firstLine(root.getMessage())));
    }

    /** The failure behind the wrappers of futures. */
    public static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 500 ? line.substring(0, 500) : line;
    }
}
