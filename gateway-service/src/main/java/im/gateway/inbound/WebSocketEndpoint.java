package im.gateway.inbound;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import im.gateway.auth.TokenVerifier;
import im.gateway.auth.UserPrincipal;
import im.gateway.config.GatewayConfig;
import im.gateway.outbound.Deliveries;
import im.gateway.presence.PresenceService;
import im.gateway.session.Session;
import im.gateway.session.SessionRegistry;
import im.protocol.CloseCode;
import im.protocol.JsonCodec;
import im.protocol.ProtocolException;
import im.protocol.ServerFrames;

/**
 * {@code GET /v1/ws}: one JSON-frame WebSocket per app connection, on Vert.x directly (no per-frame framework layer).
 * The token comes from {@code Authorization: Bearer} or {@code ?token=}; a refused connection gets an {@code error} frame
 * with the code before it is closed with 4401, so browsers, which cannot read a refused upgrade, learn why too. An
 * accepted one is registered, its presence written, and only then gets its {@code session} frame: from that frame on, a
 * message acked to its sender reaches it.
 */
@ApplicationScoped
public class WebSocketEndpoint {
    private static final Logger LOG = Logger.getLogger(WebSocketEndpoint.class);

    @Inject
    TokenVerifier tokens;

    @Inject
    SessionRegistry sessions;

    @Inject
    Inbound inbound;

    @Inject
    Deliveries deliveries;

    @Inject
    PresenceService presence;

    @Inject
    GatewayConfig config;

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry metrics;

    void routes(@Observes Router router) {
        router.get("/v1/ws").handler(this::upgrade);
    }

    private void upgrade(RoutingContext context) {
        HttpServerRequest request = context.request();
        UserPrincipal principal;
        try {
            principal = tokens.verify(tokenOf(request));
        } catch (ProtocolException e) {
            metrics.counter("im.gateway.ws.refused", "code", e.code().name()).increment();
            request.toWebSocket().onSuccess(socket -> socket.writeTextMessage(JsonCodec.encode(ServerFrames.Error.of(
                    e.toApiError()))).onComplete(done -> socket.close((short) CloseCode.UNAUTHORIZED.code(), e.code().name())))
                    .onFailure(failure -> answerNotAWebSocket(context));
            return;
        }
        request.toWebSocket().onSuccess(socket -> open(socket, principal)).onFailure(failure -> answerNotAWebSocket(context));
    }

    private static void answerNotAWebSocket(RoutingContext context) {
        if (!context.response().ended()) {
            context.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                    .end("{\"error\":{\"code\":\"INVALID_REQUEST\",\"message\":\"a WebSocket upgrade is expected\"}}");
        }
    }

    private void open(ServerWebSocket socket, UserPrincipal principal) {
        Session session = new Session(UUID.randomUUID().toString(), vertx, socket, principal, config.outboundQueueSize(),
                rank -> metrics.counter("im.gateway.outbound.dropped", "rank", String.valueOf(rank)).increment(),
                closed -> {
                    presence.sessionClosed(closed);
                    sessions.remove(closed);
                });
        socket.textMessageHandler(text -> inbound.onText(session, text));
        socket.binaryMessageHandler(bytes -> inbound.onBinary(session));
        socket.closeHandler(closed -> session.closedByPeer());
        socket.exceptionHandler(failure -> {
            LOG.debugf("session %s: %s", session.id(), failure.toString());
            // a frame, or a fragmented message, over the limit: it is not read, and the connection ends with 1009; a frame
            // Netty cannot read for another reason ends it with the code Netty names (a reserved opcode is no size problem)
            if (failure instanceof CorruptedWebSocketFrameException corrupted) {
                session.close(switch (corrupted.closeStatus().code()) {
                    case 1007 -> CloseCode.INVALID_PAYLOAD;
                    case 1009 -> CloseCode.TOO_BIG;
                    default -> CloseCode.PROTOCOL_ERROR;
                });
            } else if (failure instanceof IllegalStateException) {
                session.close(CloseCode.TOO_BIG);
            }
        });
        inbound.scheduleExpiry(session);
        CompletableFuture<Void> written = sessions.add(session);
        session.registeredAfterOffset(deliveries.done());
        written.orTimeout(config.produceTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        LOG.warnf("presence of session %s of %s not written (%s): opened anyway, the next presence "
                                + "republish makes it reachable", session.id(), session.userId(), failure.toString());
                    }
                    session.outbox().open(ServerFrames.Session.of(session.id(), session.userId(),
                            System.currentTimeMillis()));
                });
    }

    static String tokenOf(HttpServerRequest request) {
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        String query = request.query();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("token=")) {
                    try {
                        return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException e) {
                        return null;
                    }
                }
            }
        }
        return null;
    }
}
