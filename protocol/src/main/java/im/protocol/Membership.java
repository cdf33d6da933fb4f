package im.protocol;

/**
 * The value of a record on the compacted {@code im.membership} topic (schema {@code membership.v1.json}). A group's
 * description lives under key {@code group/<groupId>}, each member under {@code group/<groupId>/<userId>}; a null value
 * (tombstone) removes the group or the member.
 *
 * @param v schema version, always 1
 * @param kind {@code group} or {@code member}
 * @param groupId the group
 * @param userId the member (kind member)
 * @param name the group's name (kind group)
 * @param owner the group's creator (kind group)
 * @param at when it was written, epoch milliseconds
 */
public record Membership(int v, String kind, String groupId, String userId, String name, String owner, long at) {

    public static final String KIND_GROUP = "group";
    public static final String KIND_MEMBER = "member";

    public static String groupKey(String groupId) {
        return "group/" + groupId;
    }

    public static String memberKey(String groupId, String userId) {
        return "group/" + groupId + "/" + userId;
    }
}
