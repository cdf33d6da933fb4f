package im.protocol;

import java.util.List;

/**
 * Who a message mentions.
 *
 * @param userIds mentioned users, at most {@link Limits#MENTIONS_MAX}
 * @param all whether the message mentions everybody in the conversation
 */
public record Mentions(List<String> userIds, boolean all) {}
