package im.routing.route;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import im.protocol.ConversationChanged;
import im.protocol.ConversationKey;
import im.protocol.ConversationType;
import im.protocol.Delivery;
import im.protocol.Envelope;
import im.protocol.MembershipView;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageType;
import im.routing.presence.PresenceTable;
import im.routing.presence.PresenceTable.NodeState;

/**
 * Resolves who receives a message and on which gateway nodes: peer, the recipient's sessions and the sender's other
 * sessions; group, the members (and a tips message's targets); room, the members who entered it (a room command with {@code toUserIds}: just those).
 * One delivery per node that holds a recipient, addressed to that node's slot.
 */
@ApplicationScoped
public class Router {

    /** What a delivery carries: a message, a recall, a receipt, or (v1.1) a message's new reactions or its edit. */
    public record Payload(Message message, Delivery.Revoked revoked, Delivery.Receipt receipt,
            Delivery.ReactionsChanged reactionsChanged, Message messageEdited) {

        /** A message, a recall or a receipt. */
        public Payload(Message message, Delivery.Revoked revoked, Delivery.Receipt receipt) {
            this(message, revoked, receipt, null, null);
        }

        public static Payload of(Message message) {
            return new Payload(message, null, null);
        }
    }

    /** A delivery for one node: written to partition {@code slot} of im.deliveries. */
    public record Target(String nodeId, int slot, Delivery delivery) {}

    @Inject
    PresenceTable presence;

    @Inject
    MembershipView membership;

    @Inject
    RecentMessages recent;

    /**
     * The deliveries of a message, a recall or a receipt. A message (not barrage, which is droppable by design) is
     * recorded among the recent messages of its recipients while their presence is looked up, so a session that appears
     * meanwhile gets it replayed ({@code Replays}).
     */
    public List<Target> route(Envelope envelope, ConversationKey key, Payload payload) {
        String exclude = envelope.origin() == null ? null : envelope.origin().sessionId();
        if (payload.message() == null || envelope.message().type() == MessageType.BARRAGE) {
            return resolve(envelope, key, exclude, payload);
        }
        String roomId = key.type() == ConversationType.ROOM ? key.first() : null;
        RecentMessages.Entry entry = new RecentMessages.Entry(System.currentTimeMillis(), key.value(), payload.message(),
                exclude, roomId, roomId == null || envelope.toUserIds() == null || envelope.toUserIds().isEmpty()
                        ? null
                        : envelope.toUserIds());
        List<String> logs = switch (key.type()) {
            case PEER -> List.of(RecentMessages.userLog(key.first()), RecentMessages.userLog(key.second()));
            case GROUP -> List.of(RecentMessages.groupLog(key.first()));
            case ROOM -> List.of(RecentMessages.roomLog(key.first()));
        };
        // a group's tips reaches its targets too, members or not (removed): their sessions that appear replay it
        tipsTargets(envelope).forEach(userId -> recent.append(RecentMessages.userLog(userId), entry));
        return recent.record(logs, entry, () -> resolve(envelope, key, exclude, payload));
    }

    private List<Target> resolve(Envelope envelope, ConversationKey key, String exclude, Payload payload) {
        return switch (key.type()) {
            case PEER -> byUsers(List.of(key.first(), key.second()), envelope, exclude, payload);
            case GROUP -> byUsers(groupRecipients(key.first(), envelope), envelope, exclude, payload);
            case ROOM -> room(key.first(), envelope, exclude, payload);
        };
    }

    private static List<String> tipsTargets(Envelope envelope) {
        MessageContent content = envelope.message();
        return content == null || content.type() != MessageType.TIPS || content.targets() == null
                ? List.of()
                : content.targets();
    }

    /**
     * A group's members as this instance knows them now; for a tips message also its targets: the members a change removed
     * (or all of a dismissed group's) are no members by the time the tips is routed, and the members it added may not be
     * members yet in this instance's table (im.membership is read apart from the message topics), yet both must get it.
     */
    private Iterable<String> groupRecipients(String groupId, Envelope envelope) {
        Set<String> members = membership.members(groupId);
        List<String> targets = tipsTargets(envelope);
        if (targets.isEmpty()) {
            return members;
        }
        Set<String> recipients = new LinkedHashSet<>(members);
        recipients.addAll(targets);
        return recipients;
    }

    /** Deliveries to just these users' sessions (receipts go to the senders they concern). */
    public List<Target> toUsers(Iterable<String> users, Envelope envelope, Payload payload) {
        return byUsers(users, envelope, null, payload);
    }

    /**
     * The deliveries of a {@code conversationChanged} action (v1.1): each named user's part to every node that holds a
     * session of that user, whatever the conversation's type (it names users, not a room or group to resolve).
     */
    public List<Target> conversationChanged(Envelope envelope, ConversationChanged changed) {
        List<Target> targets = new ArrayList<>();
        for (ConversationChanged.UserState user : changed.users()) {
            Delivery.ConversationState state = new Delivery.ConversationState(changed.lastMessage(), changed.updatedAt(),
                    user.unreadCount(), user.mentions() == null ? List.of() : user.mentions(), user.totalUnreadCount(),
                    user.removed());
            for (PresenceTable.Entry entry : presence.entriesOf(user.userId())) {
                targets.add(new Target(entry.nodeId(), entry.slot(), new Delivery(1, entry.nodeId(),
                        envelope.conversationKey(), List.of(user.userId()), null, null, null, null, null, null, state)));
            }
        }
        return targets;
    }

    private List<Target> byUsers(Iterable<String> users, Envelope envelope, String exclude, Payload payload) {
        Map<String, Set<String>> usersByNode = new HashMap<>();
        Map<String, Integer> slots = new HashMap<>();
        for (String userId : users) {
            for (PresenceTable.Entry entry : presence.entriesOf(userId)) {
                usersByNode.computeIfAbsent(entry.nodeId(), n -> new LinkedHashSet<>()).add(userId);
                slots.put(entry.nodeId(), entry.slot());
            }
        }
        List<Target> targets = new ArrayList<>(usersByNode.size());
        usersByNode.forEach((nodeId, nodeUsers) -> targets.add(new Target(nodeId, slots.get(nodeId),
                new Delivery(1, nodeId, envelope.conversationKey(), List.copyOf(nodeUsers), null, exclude, payload.message(),
                        payload.revoked(), payload.receipt(), null, null, payload.reactionsChanged(),
                        payload.messageEdited()))));
        return targets;
    }

    private List<Target> room(String roomId, Envelope envelope, String exclude, Payload payload) {
        List<String> only = envelope.toUserIds() == null || envelope.toUserIds().isEmpty() ? null : envelope.toUserIds();
        List<Target> targets = new ArrayList<>();
        presence.roomMembersByNode(roomId).forEach((nodeId, users) -> {
            NodeState node = presence.node(nodeId);
            if (node == null) {
                return;
            }
            List<String> userIds = null;
            if (only != null) {
                userIds = only.stream().filter(users::contains).toList();
                if (userIds.isEmpty()) {
                    return;
                }
            }
            targets.add(new Target(nodeId, node.slot(),
                    new Delivery(1, nodeId, envelope.conversationKey(), userIds, roomId, exclude, payload.message(),
                            payload.revoked(), payload.receipt(), null, null, payload.reactionsChanged(),
                            payload.messageEdited())));
        });
        return targets;
    }
}
