package im.protocol;

/**
 * Where a user's message entered the system, so that the sending session is not sent its own message back.
 *
 * @param nodeId the gateway node
 * @param sessionId the session on that node
 */
public record Origin(String nodeId, String sessionId) {}
