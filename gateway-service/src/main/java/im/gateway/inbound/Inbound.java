package im.gateway.inbound;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Scope;
import io.vertx.core.Vertx;

import im.gateway.auth.TokenVerifier;
import im.gateway.auth.UserPrincipal;
import im.gateway.config.GatewayConfig;
import im.gateway.presence.PresenceService;
import im.gateway.service.MessageFeatureService;
import im.gateway.service.RateLimiter;
import im.gateway.service.RevokeService;
import im.gateway.service.SendService;
import im.gateway.session.Session;
import im.gateway.session.SessionRegistry;
import im.pipeline.Tracing;
import im.protocol.Action;
import im.protocol.ClientFrame;
import im.protocol.CloseCode;
import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.JsonCodec;
import im.protocol.Limits;
import im.protocol.Origin;
import im.protocol.PresenceFrames;
import im.protocol.ProtocolException;
import im.protocol.ReactRequest;
import im.protocol.ServerFrames;
import im.protocol.ServerFrames.Ack;

/**
 * The inbound pipeline of a session: a text frame is checked for size, decoded, dispatched by its {@code op} and answered
 * (an {@code ack}, a {@code pong}); sends go on to Kafka through {@link SendService} and are acked once Kafka has them.
 * A refusal is always a catalogued code that names the request when the frame named one.
 */
@ApplicationScoped
public class Inbound {

    @Inject
    TokenVerifier tokens;

    @Inject
    SessionRegistry sessions;

    @Inject
    SendService sendService;

    @Inject
    RevokeService revokes;

    @Inject
    MessageFeatureService features;

    @Inject
    RateLimiter rateLimiter;

    @Inject
    PresenceService presence;

    @Inject
    GatewayConfig config;

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry metrics;

    @Inject
    Tracing tracing;

    /** One text frame of {@code session}. */
    public void onText(Session session, String text) {
        if (utf8Length(text) > Limits.FRAME_MAX_BYTES) {
            refuse(session, JsonCodec.requestIdOf(text), new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    "frames are limited to " + Limits.FRAME_MAX_BYTES + " bytes"));
            return;
        }
        ClientFrame frame;
        try {
            frame = JsonCodec.decode(text, ClientFrame.class);
        } catch (ProtocolException e) {
            String id = JsonCodec.requestIdOf(text);
            if (id == null) {
                session.reply(ServerFrames.Error.of(e.toApiError()));
            } else {
                refuse(session, id, e); // readable enough to answer the request: its ack says why
            }
            return;
        }
        // a frame may carry the client's trace context: the records its op writes continue it
        try (Scope scope = frame.traceparent() == null ? null : tracing.parent(frame.traceparent()).makeCurrent()) {
            handle(session, frame, text);
        } catch (ProtocolException e) {
            refuse(session, frame.id(), e);
        }
    }

    /** A binary frame: the contract is JSON text. */
    public void onBinary(Session session) {
        session.reply(ServerFrames.Error.of(new ProtocolException(ErrorCode.INVALID_REQUEST, "frames are JSON text")
                .toApiError()));
    }

    private void handle(Session session, ClientFrame frame, String text) {
        if (frame.op() == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "missing op");
        }
        switch (frame.op()) {
            case ClientFrame.SEND -> sendService.send(session.principal(), frame.toSendRequest(), frame.id(), origin(session))
                    .thenAccept(session::reply);
            case ClientFrame.ENTER_ROOM -> {
                String roomId = Ids.requireId(frame.roomId(), "room");
                if (!session.rooms().contains(roomId)) {
                    if (session.rooms().size() >= config.limits().roomsPerSession()) {
                        throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                                "a session may be in at most " + config.limits().roomsPerSession() + " rooms");
                    }
                    rateLimiter.require(RateLimiter.Kind.ENTER_ROOM, session.userId());
                }
                // acked once routing can know: the room's messages reach the session from then on
                answerWhenWritten(session, frame.id(), sessions.enterRoom(session, roomId));
            }
            case ClientFrame.LEAVE_ROOM -> answerWhenWritten(session, frame.id(),
                    sessions.leaveRoom(session, Ids.requireId(frame.roomId(), "room")));
            case ClientFrame.RENEW_TOKEN -> renew(session, frame);
            case ClientFrame.PING -> session.reply(ServerFrames.Pong.of(frame.id()));
            case ClientFrame.LOGOUT -> session.logout(Ack.success(frame.id()));
            case ClientFrame.REVOKE -> revokes
                    .revoke(session.principal(), frame.to(), frame.messageId(), frame.id(), origin(session))
                    .thenAccept(session::reply);
            case ClientFrame.RECEIPT -> {
                rateLimiter.require(RateLimiter.Kind.RECEIPT, session.userId());
                sendService.act(session.principal(), frame.to(),
                        new Action(Action.RECEIPT, null, frame.orderKey(), frame.kind()), frame.id(), origin(session))
                        .thenAccept(session::reply);
            }
            // message features (v1.1): edit reads the frame's own fields, react has fields of its own
            case ClientFrame.EDIT -> features
                    .edit(session.principal(), frame.to(), frame.messageId(), frame.message(), frame.id(), origin(session))
                    .thenAccept(session::reply);
            case ClientFrame.REACT -> features
                    .react(session.principal(), JsonCodec.decode(text, ReactRequest.class), origin(session))
                    .thenAccept(session::reply);
            // presence ops (v1.1) have fields of their own: the frame is read again as one of them
            case PresenceFrames.SUBSCRIBE, PresenceFrames.UNSUBSCRIBE, PresenceFrames.SET_STATUS -> presence.handle(session,
                    JsonCodec.decode(text, PresenceFrames.Request.class));
            default -> throw new ProtocolException(ErrorCode.INVALID_REQUEST, "unknown op " + frame.op());
        }
    }

    private void answerWhenWritten(Session session, String requestId, CompletableFuture<Void> written) {
        written.orTimeout(config.produceTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ok, failure) -> session.reply(failure == null
                        ? Ack.success(requestId)
                        : Ack.failed(requestId, new ProtocolException(ErrorCode.UNAVAILABLE,
                                "the change was not written; retry").toApiError())));
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
        session.reply(Ack.success(frame.id()));
    }

    private void refuse(Session session, String requestId, ProtocolException e) {
        metrics.counter("im.gateway.ws.refused", "code", e.code().name()).increment();
        session.reply(Ack.failed(requestId, e.toApiError()));
    }

    /** {@code tokenWillExpire} before the token runs out, then the session ends with {@code TOKEN_EXPIRED}. */
    public void scheduleExpiry(Session session) {
        long now = System.currentTimeMillis();
        long expiresAt = session.principal().expiresAtMillis();
        long warnAt = expiresAt - config.tokenExpiryWarning().toMillis();
        long warn = vertx.setTimer(Math.max(1, warnAt - now), id -> session.reply(
                ServerFrames.TokenWillExpire.of(Math.max(0, (expiresAt - System.currentTimeMillis()) / 1000))));
        long expiry = vertx.setTimer(Math.max(1, expiresAt - now), id -> session.close(CloseCode.UNAUTHORIZED));
        session.timers(warn, expiry);
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
}
