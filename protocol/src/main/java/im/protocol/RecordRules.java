package im.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The checks a consumer applies to the records of the contract's other topics, whoever produced them (a gateway node, a
 * backend, an operator's tool): a record that breaks them is dead-lettered with the {@link ProtocolException}'s code and
 * detail, and never reaches a table. Message records are checked by {@link MessageRules#checkEnvelope(Envelope)}.
 */
public final class RecordRules {
    /** Most rooms one presence record may list (a user's sessions on one node together). */
    public static final int PRESENCE_ROOMS_MAX = 5_000;
    /** Most users one delivery record may address. */
    public static final int DELIVERY_USERS_MAX = 100_000;

    private RecordRules() {
    }

    /** Checks an {@code im.presence} record: its key names what its value says; null values (tombstones) pass. */
    public static void checkPresence(String key, Presence value) {
        if (key == null) {
            throw invalid("presence records need a key");
        }
        if (key.startsWith("node/")) {
            String nodeId = key.substring("node/".length());
            Ids.requireId(nodeId, "node");
            if (value != null && (!Presence.KIND_NODE.equals(value.kind()) || !nodeId.equals(value.nodeId()))) {
                throw invalid("a node/<nodeId> record holds that node's heartbeat");
            }
        } else if (key.startsWith("user/")) {
            String rest = key.substring("user/".length());
            int slash = rest.lastIndexOf('/');
            if (slash <= 0) {
                throw invalid("presence user keys are user/<userId>/<nodeId>");
            }
            String userId = Ids.requireId(rest.substring(0, slash), "user");
            String nodeId = Ids.requireId(rest.substring(slash + 1), "node");
            if (value != null) {
                if (!Presence.KIND_USER.equals(value.kind()) || !nodeId.equals(value.nodeId())
                        || !userId.equals(value.userId())) {
                    throw invalid("a user/<userId>/<nodeId> record holds that user's sessions on that node");
                }
                if (value.sessions() != null && value.sessions() < 0) {
                    throw invalid("sessions must not be negative");
                }
                Ids.requireIds(value.rooms(), PRESENCE_ROOMS_MAX, "room");
            }
        } else if (key.startsWith("status/")) {
            String userId = Ids.requireId(key.substring("status/".length()), "user");
            if (value != null) {
                if (!Presence.KIND_STATUS.equals(value.kind()) || !userId.equals(value.userId())) {
                    throw invalid("a status/<userId> record holds that user's custom status");
                }
                Ids.requireId(value.nodeId(), "node");
                PresenceFrames.requireCustomStatus(value.customStatus());
            }
        } else {
            throw invalid("presence keys are node/<nodeId>, user/<userId>/<nodeId> or status/<userId>");
        }
        if (value != null) {
            checkVersion(value.v());
            if (value.slot() < 0) {
                throw invalid("slot must not be negative");
            }
        }
    }

    /** Checks an {@code im.membership} record: key {@code group/<groupId>} or {@code group/<groupId>/<userId>}. */
    public static void checkMembership(String key, Membership value) {
        if (key == null || !key.startsWith("group/")) {
            throw invalid("membership keys are group/<groupId> or group/<groupId>/<userId>");
        }
        String rest = key.substring("group/".length());
        int slash = rest.indexOf('/');
        String groupId = Ids.requireId(slash < 0 ? rest : rest.substring(0, slash), "group");
        String userId = slash < 0 ? null : Ids.requireId(rest.substring(slash + 1), "user");
        if (value == null) {
            return;
        }
        checkVersion(value.v());
        if (!groupId.equals(value.groupId())) {
            throw invalid("the record's groupId is not its key's");
        }
        if (userId == null) {
            if (!Membership.KIND_GROUP.equals(value.kind())) {
                throw invalid("a group/<groupId> record describes the group");
            }
            Ids.requireName(value.name());
            if (value.owner() != null) {
                Ids.requireId(value.owner(), "owner");
            }
            checkGroupInfo(value.notice(), value.avatarUrl(), value.attributes(), Limits.GROUP_NOTICE_MAX_BYTES,
                    Limits.GROUP_AVATAR_URL_MAX_BYTES, Limits.GROUP_ATTRIBUTES_MAX, Limits.GROUP_ATTRIBUTE_KEY_MAX_BYTES,
                    Limits.GROUP_ATTRIBUTE_VALUE_MAX_BYTES);
        } else if (!Membership.KIND_MEMBER.equals(value.kind()) || !userId.equals(value.userId())) {
            throw invalid("a group/<groupId>/<userId> record is that member");
        } else if (value.role() != null && !Membership.ROLE_ADMIN.equals(value.role())
                && !Membership.ROLE_MEMBER.equals(value.role())) {
            throw invalid("a member's role is admin or member (the group's owner field names its owner)");
        }
    }

    /**
     * Checks a group's notice, avatar URL and attributes against limits (a gateway's configured ones for requests, the
     * contract's caps in {@link Limits} for records): text without NUL, sizes in UTF-8 bytes, non-empty attribute keys.
     */
    public static void checkGroupInfo(String notice, String avatarUrl, Map<String, String> attributes, int noticeMax,
            int avatarUrlMax, int attributesMax, int keyMax, int valueMax) {
        if (utf8(Text.require(notice, "notice")) > noticeMax) {
            throw invalid("notice must be at most " + noticeMax + " bytes");
        }
        if (utf8(Text.require(avatarUrl, "avatarUrl")) > avatarUrlMax) {
            throw invalid("avatarUrl must be at most " + avatarUrlMax + " bytes");
        }
        if (attributes == null) {
            return;
        }
        if (attributes.size() > attributesMax) {
            throw invalid("at most " + attributesMax + " attributes");
        }
        for (Map.Entry<String, String> attribute : attributes.entrySet()) {
            String key = attribute.getKey();
            if (key == null || key.isEmpty() || utf8(Text.require(key, "attribute key")) > keyMax) {
                throw invalid("attribute keys are 1-" + keyMax + " bytes");
            }
            if (attribute.getValue() == null || utf8(Text.require(attribute.getValue(), "attribute value")) > valueMax) {
                throw invalid("attribute " + key + ": values are 0-" + valueMax + " bytes, never null");
            }
        }
    }

    private static int utf8(String value) {
        return value == null ? 0 : value.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Checks an {@code im.deliveries} record before a gateway node pushes it. */
    public static void checkDelivery(Delivery delivery) {
        checkVersion(delivery.v());
        Ids.requireId(delivery.nodeId(), "node");
        ConversationKey.parse(delivery.conversationKey());
        Ids.requireIds(delivery.userIds(), DELIVERY_USERS_MAX, "user");
        if (delivery.roomId() != null) {
            Ids.requireId(delivery.roomId(), "room");
        }
        int payloads = (delivery.message() != null ? 1 : 0) + (delivery.revoked() != null ? 1 : 0)
                + (delivery.receipt() != null ? 1 : 0) + (delivery.conversationChanged() != null ? 1 : 0)
                + (delivery.reactionsChanged() != null ? 1 : 0) + (delivery.messageEdited() != null ? 1 : 0);
        if (payloads != 1) {
            throw invalid("a delivery carries one of message, revoked, receipt, conversationChanged, reactionsChanged or "
                    + "messageEdited");
        }
        if (delivery.reactionsChanged() != null) {
            MessageRules.checkAction(Action.reactionsChanged(delivery.reactionsChanged().messageId(),
                    delivery.reactionsChanged().reactions() == null ? List.of() : delivery.reactionsChanged().reactions()),
                    null);
        }
        if (delivery.messageEdited() != null) {
            MessageRules.checkAction(Action.messageEdited(delivery.messageEdited()), null);
        }
        if (delivery.conversationChanged() != null && (delivery.userIds() == null || delivery.userIds().size() != 1)) {
            throw invalid("a conversationChanged delivery names its one user");
        }
        if (delivery.message() != null && (delivery.message().content() == null
                || delivery.message().content().type() == null)) {
            throw invalid("a delivered message needs a known type");
        }
    }

    /** Checks an {@code im.broadcast} record. */
    public static void checkBroadcast(Broadcast broadcast) {
        checkVersion(broadcast.v());
        MessageRules.requireMessageId(broadcast.messageId());
        if (broadcast.sender() != null) {
            Ids.requireId(broadcast.sender().id(), "sender");
            Ids.requireName(broadcast.sender().name());
        }
        MessageRules.checkContent(broadcast.message(), ConversationType.ROOM);
    }

    /** Checks a kick on {@code im.broadcast}. */
    public static void checkKick(UserKick kick) {
        checkVersion(kick.v());
        if (!UserKick.EVENT.equals(kick.event())) {
            throw invalid("a kick has event \"" + UserKick.EVENT + "\"");
        }
        Ids.requireId(kick.userId(), "user");
        if (kick.by() != null) {
            Ids.requireId(kick.by(), "by");
        }
    }

    private static void checkVersion(int v) {
        if (v != 1) {
            throw invalid("unsupported schema version v=" + v);
        }
    }

    private static ProtocolException invalid(String detail) {
        return new ProtocolException(ErrorCode.INVALID_REQUEST, detail);
    }
}
