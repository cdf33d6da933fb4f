package im.history.service;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;

import im.history.config.HistoryConfig;
import im.protocol.ConversationKey;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MembershipView;
import im.protocol.ProtocolException;

/**
 * Who may read a conversation: peer, its two users; group, its members (from {@code im.membership}); room, users who
 * are in it right now (asked of routing, which folds presence). Anybody else is FORBIDDEN.
 */
@ApplicationScoped
public class Access {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Inject
    MembershipView membership;

    @Inject
    HistoryConfig config;

    public void requireParticipant(String userId, ConversationKey key) {
        boolean allowed = switch (key.type()) {
            case PEER -> key.isPeerParticipant(userId);
            case GROUP -> membership.isMember(key.first(), userId);
            case ROOM -> hasEnteredRoom(userId, key.first());
        };
        if (!allowed) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "not a participant of " + key.viewFor(userId).type().wireName()
                    + " " + key.viewFor(userId).id());
        }
    }

    private boolean hasEnteredRoom(String userId, String roomId) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                    URI.create(config.routingUrl() + "/v1/routing/presence/"
                            + URLEncoder.encode(userId, StandardCharsets.UTF_8).replace("+", "%20")))
                    .timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new ProtocolException(ErrorCode.UNAVAILABLE, "room membership is unknown right now");
            }
            for (JsonNode node : JsonCodec.tree(response.body()).path("nodes")) {
                for (JsonNode room : node.path("rooms")) {
                    if (room.asText().equals(roomId)) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.UNAVAILABLE, "room membership is unknown right now");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ErrorCode.UNAVAILABLE, "interrupted");
        }
    }
}
