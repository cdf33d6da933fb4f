package im.protocol;

import java.util.List;

/**
 * Who a message mentions.
 *
 * @param userIds mentioned users, at most {@link Limits#MENTIONS_MAX}
 * @param all whether the message mentions everybody in the conversation; absent means false
 */
public record Mentions(List<String> userIds, Boolean all) {

    public Mentions {
        all = Boolean.TRUE.equals(all);
    }
}
