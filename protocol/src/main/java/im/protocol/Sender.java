package im.protocol;

/**
 * Who sent a message, as stamped by the server from the token.
 *
 * @param id the sender's user id
 * @param name the sender's display name, if the token carried one
 */
public record Sender(String id, String name) {}
