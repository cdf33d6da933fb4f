package im.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The per-type rules of the contract, shared by the gateway (requests from apps) and routing (records from backends). A
 * broken rule is a {@link ProtocolException} with the catalogued code.
 */
public final class MessageRules {
    private static final int COMBINE_MAX_MESSAGES = 100;
    private static final Pattern MEDIA_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private MessageRules() {
    }

    /** Checks a message's type and fields for a conversation of type {@code target}. */
    public static void checkContent(MessageContent content, ConversationType target) {
        if (content == null) {
            throw invalid("missing message");
        }
        MessageType type = content.type();
        if (type == null) {
            throw invalid("missing or unknown message type");
        }
        switch (type) {
            case TEXT, BARRAGE -> requireText(content.text(), type, true);
            case CUSTOM -> {
                requireText(content.text(), type, false);
                if (content.subType() == null || content.subType() < 0 || content.subType() > Limits.CUSTOM_SUB_TYPE_MAX) {
                    throw invalid("custom subType must be 0-" + Limits.CUSTOM_SUB_TYPE_MAX);
                }
                if (utf8(content.searchedContent()) > Limits.SEARCHED_CONTENT_MAX_BYTES) {
                    throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                            "searchedContent is limited to " + Limits.SEARCHED_CONTENT_MAX_BYTES + " bytes");
                }
            }
            case COMMAND -> checkCommand(content.data());
            case IMAGE, FILE, AUDIO, VIDEO -> checkMedia(content, type);
            case LOCATION -> checkLocation(content);
            case COMBINE -> checkCombine(content);
            case TIPS -> checkTips(content);
        }
        if (type == MessageType.BARRAGE && target != ConversationType.ROOM) {
            throw invalid("barrage messages go to rooms only");
        }
        if (utf8(content.extendedData()) > Limits.EXTENDED_DATA_MAX_BYTES) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    "extendedData is limited to " + Limits.EXTENDED_DATA_MAX_BYTES + " bytes");
        }
    }

    /** Checks the addressing fields that go with a message: mentions, toUserIds and clientMsgId. */
    public static void checkAddressing(ConversationRef to, MessageType type, Mentions mentions, List<String> toUserIds,
            String clientMsgId) {
        if (to == null || to.type() == null) {
            throw invalid("missing to.type");
        }
        Ids.requireId(to.id(), to.type().wireName());
        if (mentions != null && mentions.userIds() != null) {
            if (mentions.userIds().size() > Limits.MENTIONS_MAX) {
                throw invalid("at most " + Limits.MENTIONS_MAX + " users may be mentioned");
            }
            mentions.userIds().forEach(id -> Ids.requireId(id, "mentioned user"));
        }
        if (toUserIds != null && !toUserIds.isEmpty()) {
            if (to.type() != ConversationType.ROOM || type != MessageType.COMMAND) {
                throw invalid("toUserIds is for room command messages only");
            }
            if (toUserIds.size() > Limits.TO_USER_IDS_MAX) {
                throw invalid("at most " + Limits.TO_USER_IDS_MAX + " toUserIds");
            }
            toUserIds.forEach(id -> Ids.requireId(id, "toUserIds user"));
        }
        if (clientMsgId != null && (clientMsgId.isEmpty() || clientMsgId.length() > Limits.CLIENT_MSG_ID_MAX)) {
            throw invalid("clientMsgId must be 1-" + Limits.CLIENT_MSG_ID_MAX + " characters");
        }
    }

    /** Checks a whole Kafka record value, as routing does for records that backends produce. */
    public static ConversationKey checkEnvelope(Envelope envelope) {
        if (envelope.v() != Envelope.VERSION) {
            throw invalid("unsupported schema version v=" + envelope.v());
        }
        requireMessageId(envelope.messageId());
        if (envelope.sender() == null) {
            throw invalid("missing sender");
        }
        Ids.requireId(envelope.sender().id(), "sender");
        Ids.requireName(envelope.sender().name());
        if (envelope.origin() != null && (tooLong(envelope.origin().nodeId(), Limits.ORIGIN_ID_MAX)
                || tooLong(envelope.origin().sessionId(), Limits.ORIGIN_ID_MAX))) {
            throw invalid("origin ids are limited to " + Limits.ORIGIN_ID_MAX + " characters");
        }
        if (envelope.timestamp() <= 0) {
            throw invalid("missing timestamp");
        }
        MessageContent content = envelope.message();
        if (envelope.action() != null) {
            checkAddressing(envelope.to(), null, null, null, envelope.clientMsgId());
            checkAction(envelope.action(), content);
        } else {
            checkAddressing(envelope.to(), content == null ? null : content.type(), envelope.mentions(),
                    envelope.toUserIds(), envelope.clientMsgId());
            checkContent(content, envelope.to().type());
            if (envelope.repliedTo() != null) {
                checkRepliedTo(envelope.repliedTo());
            }
        }
        ConversationKey key = ConversationKey.of(envelope.sender().id(), envelope.to());
        if (!key.value().equals(envelope.conversationKey())) {
            throw invalid("conversationKey " + envelope.conversationKey() + " does not match sender and to (" + key + ")");
        }
        return key;
    }

    /** Checks a recall or receipt record. */
    public static void checkAction(Action action, MessageContent content) {
        if (content != null) {
            throw invalid("a record carries a message or an action, not both");
        }
        if (action.isRevoke()) {
            if (action.messageId() == null) {
                throw invalid("revoke needs the messageId");
            }
            requireMessageId(action.messageId());
        } else if (action.isReceipt()) {
            if (action.orderKey() == null || action.orderKey() < 0) {
                throw invalid("receipt needs an orderKey");
            }
            if (!Action.DELIVERED.equals(action.kind()) && !Action.READ.equals(action.kind())) {
                throw invalid("receipt kind is delivered or read");
            }
        } else if (action.isConversationChanged()) {
            checkConversationChanged(action.changed());
        } else if (action.isReact()) {
            requireActionMessageId(action);
            Reaction.require(action.reaction());
        } else if (action.isReactionsChanged()) {
            requireActionMessageId(action);
            checkReactions(action.reactions());
        } else if (action.isEdit()) {
            requireActionMessageId(action);
            checkEditContent(action.content());
        } else if (action.isMessageEdited()) {
            requireActionMessageId(action);
            Message message = action.message();
            if (message == null || !action.messageId().equals(message.messageId()) || message.editedAt() == null
                    || message.sender() == null) {
                throw invalid("messageEdited needs the whole message with its messageId, sender and editedAt");
            }
            checkEditContent(message.content());
        } else {
            throw invalid("unknown action " + action.type());
        }
    }

    /**
     * What an edit may say (v1.1): the same checks as a send of the new content, and only text or custom (media,
     * locations and the rest are replaced by sending anew).
     */
    public static void checkEditContent(MessageContent content) {
        if (content == null || (content.type() != MessageType.TEXT && content.type() != MessageType.CUSTOM)) {
            throw invalid("only text and custom messages can be edited, with a text or custom message");
        }
        checkContent(content, ConversationType.PEER);
    }

    /** A quote as a record carries it: stamped in full (the gateway resolves what a client names). */
    public static void checkRepliedTo(RepliedTo repliedTo) {
        requireMessageId(repliedTo.messageId());
        if (!repliedTo.isResolved()) {
            throw invalid("repliedTo needs messageId, senderId, type and preview");
        }
        Ids.requireId(repliedTo.senderId(), "repliedTo sender");
        if (repliedTo.preview().length() > RepliedTo.PREVIEW_MAX_CHARS) {
            throw invalid("a repliedTo preview is limited to " + RepliedTo.PREVIEW_MAX_CHARS + " characters");
        }
    }

    /** The aggregate of a {@code reactionsChanged} action: bounded, each reaction valid, counts consistent. */
    private static void checkReactions(List<Reaction> reactions) {
        if (reactions == null || reactions.size() > Reaction.MAX_PER_MESSAGE) {
            throw invalid("reactionsChanged needs 0-" + Reaction.MAX_PER_MESSAGE + " reactions");
        }
        for (Reaction reaction : reactions) {
            if (reaction == null) {
                throw invalid("null inside reactions");
            }
            Reaction.require(reaction.reaction());
            if (reaction.count() < 1 || reaction.userIds() == null || reaction.userIds().isEmpty()
                    || reaction.userIds().size() > Math.min(reaction.count(), Reaction.USER_IDS_SHOWN)) {
                throw invalid("a reaction has a count of at least 1 and names 1-" + Reaction.USER_IDS_SHOWN + " of its users");
            }
            Ids.requireIds(reaction.userIds(), Reaction.USER_IDS_SHOWN, "reaction user");
        }
    }

    private static void requireActionMessageId(Action action) {
        if (action.messageId() == null) {
            throw invalid(action.type() + " needs the messageId");
        }
        requireMessageId(action.messageId());
    }

    /** Checks the users, counts and mentions of a {@code conversationChanged} action. */
    private static void checkConversationChanged(ConversationChanged changed) {
        if (changed == null || changed.users() == null || changed.users().isEmpty()
                || changed.users().size() > ConversationChanged.MAX_USERS) {
            throw invalid("conversationChanged needs 1-" + ConversationChanged.MAX_USERS + " users");
        }
        for (ConversationChanged.UserState user : changed.users()) {
            if (user == null) {
                throw invalid("null inside conversationChanged users");
            }
            Ids.requireId(user.userId(), "conversationChanged user");
            if (user.unreadCount() < 0 || (user.totalUnreadCount() != null && user.totalUnreadCount() < 0)) {
                throw invalid("unread counts are never negative");
            }
            if (user.mentions() != null) {
                if (user.mentions().size() > ConversationChanged.MAX_MENTIONS) {
                    throw invalid("at most " + ConversationChanged.MAX_MENTIONS + " mentions per user");
                }
                for (ConversationChanged.Mention mention : user.mentions()) {
                    if (mention == null) {
                        throw invalid("null inside conversationChanged mentions");
                    }
                    requireMessageId(mention.messageId());
                    Ids.requireId(mention.senderId(), "mention sender");
                }
            }
        }
    }

    /**
     * A message id as history stores it: 1-{@link Limits#MESSAGE_ID_MAX} characters of the id charset (the server makes
     * UUIDs; backends may choose their own).
     */
    public static String requireMessageId(String messageId) {
        if (!Ids.isValid(messageId, Limits.MESSAGE_ID_MAX)) {
            throw invalid("messageId must be 1-" + Limits.MESSAGE_ID_MAX
                    + " characters of [A-Za-z0-9] and !#$%&()+-:;<=.>?@[]^_{}|~");
        }
        return messageId;
    }

    private static boolean tooLong(String value, int max) {
        return value != null && value.length() > max;
    }

    private static void requireText(String text, MessageType type, boolean nonEmpty) {
        if (text == null || (nonEmpty && text.isEmpty())) {
            throw invalid(type.wireName() + " messages need text");
        }
        if (utf8(text) > type.maxBytes()) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    type.wireName() + " text is limited to " + type.maxBytes() + " bytes");
        }
    }

    private static void checkCommand(String data) {
        if (data == null) {
            throw invalid("command messages need base64 data");
        }
        if (data.length() > (MessageType.COMMAND.maxBytes() * 4 / 3) + 4) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    "command data is limited to " + MessageType.COMMAND.maxBytes() + " bytes");
        }
        try {
            byte[] decoded = Base64.getDecoder().decode(data);
            if (decoded.length > MessageType.COMMAND.maxBytes()) {
                throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                        "command data is limited to " + MessageType.COMMAND.maxBytes() + " bytes");
            }
        } catch (IllegalArgumentException e) {
            throw invalid("command data is not base64");
        }
    }

    private static void checkMedia(MessageContent content, MessageType type) {
        if (content.mediaId() == null && content.fileDownloadUrl() == null) {
            throw invalid(type.wireName() + " messages need a mediaId or a fileDownloadUrl");
        }
        if (content.mediaId() != null && !MEDIA_ID.matcher(content.mediaId()).matches()) {
            throw invalid("mediaId is the id the media service answered an upload with");
        }
        if (content.fileSize() != null && (content.fileSize() < 0 || content.fileSize() > type.maxBytes())) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    type.wireName() + " files are limited to " + type.maxBytes() + " bytes");
        }
        if (type == MessageType.AUDIO && content.audioDuration() != null
                && content.audioDuration() > Limits.AUDIO_MAX_SECONDS) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    "audio is limited to " + Limits.AUDIO_MAX_SECONDS + " seconds");
        }
    }

    private static void checkTips(MessageContent content) {
        String event = content.event();
        if (event == null || event.isEmpty() || event.length() > Limits.TIPS_EVENT_MAX) {
            throw invalid("tips need an event of 1-" + Limits.TIPS_EVENT_MAX + " characters");
        }
        if (content.operator() != null) {
            Ids.requireId(content.operator(), "tips operator");
        }
        Ids.requireIds(content.targets(), Limits.TIPS_TARGETS_MAX, "tips target");
    }

    private static void checkLocation(MessageContent content) {
        Double lat = content.latitude();
        Double lon = content.longitude();
        if (lat == null || lon == null || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
            throw invalid("location needs latitude in [-90, 90] and longitude in [-180, 180]");
        }
    }

    private static void checkCombine(MessageContent content) {
        if (content.title() == null) {
            throw invalid("combine messages need a title");
        }
        List<Message> messages = content.messages();
        if (messages == null || messages.isEmpty() || messages.size() > COMBINE_MAX_MESSAGES) {
            throw invalid("combine messages hold 1-" + COMBINE_MAX_MESSAGES + " messages");
        }
        for (Message message : messages) {
            if (message.content() == null || message.content().type() == null) {
                throw invalid("every combined message needs a known type");
            }
        }
    }

    private static int utf8(String value) {
        return value == null ? 0 : value.getBytes(StandardCharsets.UTF_8).length;
    }

    private static ProtocolException invalid(String detail) {
        return new ProtocolException(ErrorCode.INVALID_REQUEST, detail);
    }
}
