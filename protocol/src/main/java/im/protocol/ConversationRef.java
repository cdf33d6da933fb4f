package im.protocol;

/**
 * A conversation as one participant names it: for a peer conversation {@code id} is the other user.
 *
 * @param type peer, group or room
 * @param id the other user (peer), the group id or the room id
 */
public record ConversationRef(ConversationType type, String id) {}
