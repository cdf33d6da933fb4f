package im.history.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import im.protocol.ConversationKey;
import im.protocol.ErrorCode;
import im.protocol.MembershipView;
import im.protocol.ProtocolException;

/**
 * Who may read a conversation: peer, its two users; group, its members (from {@code im.membership}); room, users who
 * are in it right now (asked of routing, which folds presence: {@link RoomPresence}). Anybody else is FORBIDDEN.
 */
@ApplicationScoped
public class Access {

    @Inject
    MembershipView membership;

    @Inject
    RoomPresence rooms;

    public void requireParticipant(String userId, ConversationKey key) {
        boolean allowed = switch (key.type()) {
            case PEER -> key.isPeerParticipant(userId);
            case GROUP -> membership.isMember(key.first(), userId);
            case ROOM -> rooms.hasEntered(userId, key.first());
        };
        if (!allowed) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "not a participant of " + key.viewFor(userId).type().wireName()
                    + " " + key.viewFor(userId).id());
        }
    }
}
