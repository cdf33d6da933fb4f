package im.testkit;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A bare WebSocket client for fuzz tests of the handshake: the request target and headers go on the wire exactly as
 * given (a {@code ?token=} with invalid percent-encoding, any {@code Authorization} value), which {@code java.net.http}
 * refuses to send. It reads what the server says: the upgrade status, text frames and the close code.
 */
public final class RawWebSocket implements AutoCloseable {
    private static final SecureRandom MASKS = new SecureRandom();

    /** What the server answered: the upgrade's status, then text frames and a close code (-1: none, connection gone). */
    public record Outcome(int status, List<String> texts, int closeCode) {}

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final int status;
    private final String body;

    private RawWebSocket(Socket socket, DataInputStream in, int status, String body) throws IOException {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
        this.status = status;
        this.body = body;
    }

    /** Opens {@code target} (e.g. {@code /v1/ws?token=%zz}) on the server at {@code baseUrl} with these headers. */
    public static RawWebSocket open(String baseUrl, String target, Map<String, String> headers) {
        URI uri = URI.create(baseUrl);
        try {
            Socket socket = new Socket(uri.getHost(), uri.getPort());
            socket.setSoTimeout(20_000);
            byte[] nonce = new byte[16];
            MASKS.nextBytes(nonce);
            StringBuilder head = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: " + uri.getHost() + ":"
                    + uri.getPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("\r\n");
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
            int length = 0;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring("content-length:".length()).trim());
                }
            }
            String body = "";
            if (status != 101 && length > 0) {
                byte[] bytes = new byte[length];
                in.readFully(bytes);
                body = new String(bytes, StandardCharsets.UTF_8);
            }
            return new RawWebSocket(socket, in, status, body);
        } catch (IOException e) {
            throw new IllegalStateException("handshake " + target + ": " + e, e);
        }
    }

    /** The status of the upgrade: 101 when the server took the connection as a WebSocket. */
    public int status() {
        return status;
    }

    /** The body of a refused upgrade (empty after a 101). */
    public String body() {
        return body;
    }

    /** Sends a masked text frame. */
    public void sendText(String text) throws IOException {
        writeFrame(true, 0x1, text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Sends a text message in fragments of {@code fragment} bytes (a first frame, then continuation frames). */
    public void sendFragmented(String text, int fragment) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        for (int at = 0; at < payload.length; at += fragment) {
            int end = Math.min(payload.length, at + fragment);
            writeFrame(end == payload.length, at == 0 ? 0x1 : 0x0, Arrays.copyOfRange(payload, at, end));
        }
        out.flush();
    }

    /**
     * Sends one masked frame whose first byte is {@code firstByte} (FIN, RSV bits and opcode, as given: reserved opcodes
     * and bits included) with this payload.
     */
    public void sendFrame(int firstByte, byte[] payload) throws IOException {
        writeFrame(firstByte, payload);
        out.flush();
    }

    private void writeFrame(boolean fin, int opcode, byte[] payload) throws IOException {
        writeFrame((fin ? 0x80 : 0) | opcode, payload);
    }

    private void writeFrame(int firstByte, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(firstByte);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >> shift));
            }
        }
        byte[] mask = new byte[4];
        MASKS.nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
    }

    /**
     * Reads frames until the server closes, or until a text frame satisfies {@code stop} (then the close code is 0: the
     * connection is still open).
     */
    public Outcome readUntil(Predicate<String> stop) {
        List<String> texts = new ArrayList<>();
        try {
            while (true) {
                int first = in.readUnsignedByte();
                int second = in.readUnsignedByte();
                long length = second & 0x7F;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                int opcode = first & 0x0F;
                if (opcode == 0x8) {
                    int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
                    return new Outcome(status, texts, code);
                }
                if (opcode == 0x1) {
                    String text = new String(payload, StandardCharsets.UTF_8);
                    texts.add(text);
                    if (stop.test(text)) {
                        return new Outcome(status, texts, 0);
                    }
                }
            }
        } catch (EOFException | SocketTimeoutException e) {
            return new Outcome(status, texts, -1);
        } catch (IOException e) {
            return new Outcome(status, texts, -1);
        }
    }

    private static String line(DataInputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        if (c == -1 && line.length() == 0) {
            throw new EOFException("connection closed during the handshake");
        }
        return line.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
