package im.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP/1.1 connection driven byte by byte, for what a well-behaved client never does: headers without the body they
 * announce, bodies that trickle or stall, percent-escapes no client library sends.
 */
public final class RawHttp implements AutoCloseable {
    /** Safety net only: no test waits this long when the server behaves. */
    private static final int READ_TIMEOUT_MS = 60_000;

    private final Socket socket;
    private final InputStream in;

    /** A status line, the headers as one lower-cased block, and the body. */
    public record Answer(int status, String headers, String body) {}

    public RawHttp(URL base) {
        try {
            socket = new Socket(base.getHost(), base.getPort());
            socket.setSoTimeout(READ_TIMEOUT_MS);
            in = socket.getInputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The head of a multipart upload to {@code path} announcing {@code contentLength}, up to the file part's content. */
    public static String uploadHead(String path, String authorization, long contentLength) {
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Type: multipart/form-data; boundary=raw\r\nContent-Length: " + contentLength + "\r\n\r\n"
                + "--raw\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n";
    }

    public RawHttp send(String text) {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    public RawHttp send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends without failing when the server has closed already; false then. */
    public boolean trySend(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads one answer (status, headers, a body of {@code Content-Length} bytes). */
    public Answer read() {
        try {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed before an answer; got: " + head);
                }
                head.write(b);
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(text.substring(9, 12));
            String headers = text.toLowerCase(Locale.ROOT);
            int at = headers.indexOf("content-length:");
            int length = at < 0
                    ? 0
                    : Integer.parseInt(headers.substring(at + 15, headers.indexOf('\r', at)).trim());
            byte[] body = in.readNBytes(length);
            return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the server has closed the connection (end of stream or reset); waits at most a moment to find out. */
    public boolean closedByServer() {
        try {
            socket.setSoTimeout(100);
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                socket.setSoTimeout(READ_TIMEOUT_MS);
            } catch (SocketException closed) {
                // nothing more to read anyway
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }
}
