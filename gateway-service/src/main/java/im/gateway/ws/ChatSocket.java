package im.gateway.ws;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.HandshakeRequest;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

import im.gateway.auth.TokenVerifier;
import im.gateway.auth.UserPrincipal;
import im.gateway.config.GatewayConfig;
import im.gateway.service.RateLimiter;
import im.gateway.service.RevokeService;
import im.gateway.service.SendService;
import im.gateway.session.Outbox;
import im.gateway.session.Session;
import im.gateway.session.SessionRegistry;
import im.protocol.Action;
import im.protocol.ClientFrame;
import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.JsonCodec;
import im.protocol.Limits;
import im.protocol.Origin;
import im.protocol.ProtocolException;
import im.protocol.ServerFrames;
import im.protocol.ServerFrames.Ack;

/**
 * {@code GET /v1/ws}: one JSON-frame WebSocket per app connection. The token comes from {@code Authorization: Bearer} or
 * {@code ?token=}; a refused connection gets an {@code error} frame with the code before it is closed, so browsers, which
 * cannot read a refused upgrade, learn why too.
 */
@WebSocket(path = "/v1/ws")
public class ChatSocket {
    private static final Logger LOG = Logger.getLogger(ChatSocket.class);
    /** Close code for authentication failures (application range 4000-4999). */
    public static final int CLOSE_UNAUTHORIZED = 4401;

    @Inject
    TokenVerifier tokens;

    @Inject
    SessionRegistry sessions;

    @Inject
    SendService sendService;

    @Inject
    RevokeService revokes;

    @Inject
    RateLimiter rateLimiter;

    @Inject
    GatewayConfig config;

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry metrics;

    @OnOpen
    public Uni<Void> onOpen(WebSocketConnection connection) {
        UserPrincipal principal;
        try {
            principal = tokens.verify(tokenOf(connection.handshakeRequest()));
        } catch (ProtocolException e) {
            metrics.counter("im.gateway.ws.refused", "code", e.code().name()).increment();
            return connection.sendText(JsonCodec.encode(ServerFrames.Error.of(e.toApiError())))
                    .onItemOrFailure().transformToUni((ok, failure) -> connection
                            .close(new CloseReason(CLOSE_UNAUTHORIZED, e.code().name())));
        }
        Session session = new Session(connection, principal, new Outbox(connection, config.outboundQueueSize(),
                rank -> metrics.counter("im.gateway.outbound.dropped", "rank", String.valueOf(rank)).increment()));
        sessions.add(session);
        scheduleExpiry(session);
        return Uni.createFrom().voidItem();
    }

    @OnTextMessage
    public Uni<Void> onText(String text, WebSocketConnection connection) {
        Session session = sessions.byId(connection.id());
        if (session == null) {
            return Uni.createFrom().voidItem();
        }
        if (utf8Length(text) > Limits.FRAME_MAX_BYTES) {
            refuse(session, JsonCodec.requestIdOf(text), new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    "frames are limited to " + Limits.FRAME_MAX_BYTES + " bytes"));
            return Uni.createFrom().voidItem();
        }
        ClientFrame frame;
        try {
            frame = JsonCodec.decode(text, ClientFrame.class);
        } catch (ProtocolException e) {
            String id = JsonCodec.requestIdOf(text);
            if (id == null) {
                reply(session, ServerFrames.Error.of(e.toApiError()));
            } else {
                refuse(session, id, e); // readable enough to answer the request: its ack says why
            }
            return Uni.createFrom().voidItem();
        }
        try {
            handle(session, frame);
        } catch (ProtocolException e) {
            refuse(session, frame.id(), e);
        }
        return Uni.createFrom().voidItem();
    }

    /** The UTF-8 length, counted only as far as it matters (a frame of few characters cannot be too long). */
    private static int utf8Length(String text) {
        if (text.length() * 3L <= Limits.FRAME_MAX_BYTES) {
            return text.length();
        }
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 2 : 3;
        }
        return bytes;
    }

    @OnClose
    public void onClose(WebSocketConnection connection) {
        Session session = sessions.byId(connection.id());
        if (session != null) {
            sessions.cancelTimers(session);
            sessions.remove(session);
        }
    }

    private void handle(Session session, ClientFrame frame) {
        if (frame.op() == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "missing op");
        }
        switch (frame.op()) {
            case ClientFrame.SEND -> sendService
                    .send(session.principal(), frame.toSendRequest(), frame.id(), origin(session))
                    .thenAccept(ack -> reply(session, ack));
            case ClientFrame.ENTER_ROOM -> {
                String roomId = Ids.requireId(frame.roomId(), "room");
                if (!session.rooms().contains(roomId)) {
                    if (session.rooms().size() >= config.limits().roomsPerSession()) {
                        throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                                "a session may be in at most " + config.limits().roomsPerSession() + " rooms");
                    }
                    rateLimiter.require(RateLimiter.Kind.ENTER_ROOM, session.userId());
                }
                sessions.enterRoom(session, roomId);
                reply(session, Ack.success(frame.id()));
            }
            case ClientFrame.LEAVE_ROOM -> {
                sessions.leaveRoom(session, Ids.requireId(frame.roomId(), "room"));
                reply(session, Ack.success(frame.id()));
            }
            case ClientFrame.RENEW_TOKEN -> renew(session, frame);
            case ClientFrame.PING -> reply(session, ServerFrames.Pong.of(frame.id()));
            case ClientFrame.REVOKE -> revokes
                    .revoke(session.principal(), frame.to(), frame.messageId(), frame.id(), origin(session))
                    .thenAccept(ack -> reply(session, ack));
            case ClientFrame.RECEIPT -> {
                rateLimiter.require(RateLimiter.Kind.RECEIPT, session.userId());
                sendService
                        .act(session.principal(), frame.to(),
                                new Action(Action.RECEIPT, null, frame.orderKey(), frame.kind()), frame.id(),
                                origin(session))
                        .thenAccept(ack -> reply(session, ack));
            }
            default -> throw new ProtocolException(ErrorCode.INVALID_REQUEST, "unknown op " + frame.op());
        }
    }

    private Origin origin(Session session) {
        return new Origin(config.nodeId(), session.id());
    }

    private void renew(Session session, ClientFrame frame) {
        UserPrincipal renewed = tokens.verify(frame.token());
        if (!renewed.userId().equals(session.userId())) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "the new token is for another user");
        }
        session.renew(renewed);
        scheduleExpiry(session);
        reply(session, Ack.success(frame.id()));
    }

    private void refuse(Session session, String requestId, ProtocolException e) {
        metrics.counter("im.gateway.ws.refused", "code", e.code().name()).increment();
        reply(session, Ack.failed(requestId, e.toApiError()));
    }

    private void reply(Session session, Object frame) {
        if (!session.outbox().offerFrame(frame)) {
            close(session, ServerFrames.SLOW_CONSUMER, im.gateway.session.Delivering.CLOSE_SLOW_CONSUMER);
        }
    }

    private void scheduleExpiry(Session session) {
        sessions.cancelTimers(session);
        long now = System.currentTimeMillis();
        long expiresAt = session.principal().expiresAtMillis();
        long warnAt = expiresAt - config.tokenExpiryWarning().toMillis();
        long warn = vertx.setTimer(Math.max(1, warnAt - now), id -> reply(session,
                ServerFrames.TokenWillExpire.of(Math.max(0, (expiresAt - System.currentTimeMillis()) / 1000))));
        long expiry = vertx.setTimer(Math.max(1, expiresAt - now), id -> close(session, ServerFrames.TOKEN_EXPIRED,
                CLOSE_UNAUTHORIZED));
        session.timers(warn, expiry);
    }

    /** Sends {@code closing} with the reason, then closes the connection. */
    void close(Session session, String reason, int code) {
        sessions.cancelTimers(session);
        sessions.remove(session);
        WebSocketConnection connection = session.connection();
        connection.sendText(JsonCodec.encode(ServerFrames.Closing.of(reason)))
                .onItemOrFailure().transformToUni((ok, failure) -> connection.close(new CloseReason(code, reason)))
                .subscribe().with(ok -> {
                }, failure -> LOG.debugf("close of %s failed: %s", session.id(), failure.getMessage()));
    }

    static String tokenOf(HandshakeRequest request) {
        String header = request.header("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        String query = request.query();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("token=")) {
                    return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }

}
