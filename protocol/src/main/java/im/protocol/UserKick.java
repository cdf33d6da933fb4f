package im.protocol;

/**
 * The second kind of {@code im.broadcast} record (schema {@code broadcast.v1.json}, header {@code im-type} =
 * {@value #EVENT}, {@code event} = {@value #EVENT}): every session of a user, on every gateway node, is told
 * {@code closing: KICKED} and closed with 4409, and the user is offline at once. push-service writes it for
 * {@code POST /v1/admin/users/{userId}/kick}; a backend may write it too. Consumers of {@code im.broadcast} tell the
 * kinds apart by {@code event}: a broadcast has none.
 *
 * @param v schema version, always 1
 * @param event always {@value #EVENT}
 * @param userId the user whose sessions end
 * @param by who kicked (an operator or a backend)
 * @param at when, epoch milliseconds
 */
public record UserKick(int v, String event, String userId, String by, long at) {
    public static final int VERSION = 1;
    /** The value of {@code event} and of the {@code im-type} header on these records. */
    public static final String EVENT = "kick";

    public static UserKick of(String userId, String by, long at) {
        return new UserKick(VERSION, EVENT, userId, by, at);
    }
}
