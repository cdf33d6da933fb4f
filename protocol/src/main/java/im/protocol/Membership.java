package im.protocol;

import java.util.Map;

/**
 * The value of a record on the compacted {@code im.membership} topic (schema {@code membership.v1.json}). A group's
 * description lives under key {@code group/<groupId>}, each member under {@code group/<groupId>/<userId>}; a null value
 * (tombstone) removes the group or the member. The group's {@code owner} decides who owns it; every other member's role is
 * its record's {@code role}, {@code member} when absent (records written before v1.1 carry none).
 *
 * @param v schema version, always 1
 * @param kind {@code group} or {@code member}
 * @param groupId the group
 * @param userId the member (kind member)
 * @param name the group's name (kind group)
 * @param owner the group's owner: its creator until ownership is transferred (kind group)
 * @param at when it was written, epoch milliseconds
 * @param role the member's role, {@code admin} or {@code member}; null means member (kind member)
 * @param notice the group's notice (kind group)
 * @param avatarUrl the group's avatar URL (kind group)
 * @param attributes the group's free-form attributes, key to value (kind group)
 */
public record Membership(int v, String kind, String groupId, String userId, String name, String owner, long at, String role,
        String notice, String avatarUrl, Map<String, String> attributes) {

    public static final String KIND_GROUP = "group";
    public static final String KIND_MEMBER = "member";

    /** The owner's role: held by the group's {@code owner}, never written on a member record. */
    public static final String ROLE_OWNER = "owner";
    /** An administrator: manages members and the group's info. */
    public static final String ROLE_ADMIN = "admin";
    /** An ordinary member. */
    public static final String ROLE_MEMBER = "member";

    /** A record without the v1.1 fields (role, notice, avatarUrl, attributes). */
    public Membership(int v, String kind, String groupId, String userId, String name, String owner, long at) {
        this(v, kind, groupId, userId, name, owner, at, null, null, null, null);
    }

    /** A group's description. */
    public static Membership group(String groupId, String name, String owner, String notice, String avatarUrl,
            Map<String, String> attributes, long at) {
        return new Membership(1, KIND_GROUP, groupId, null, name, owner, at, null, notice, avatarUrl,
                attributes == null || attributes.isEmpty() ? null : Map.copyOf(attributes));
    }

    /** A member with a role ({@code admin} or {@code member}). */
    public static Membership member(String groupId, String userId, String role, long at) {
        return new Membership(1, KIND_MEMBER, groupId, userId, null, null, at, role, null, null, null);
    }

    /** The member's role as written: {@code member} when the record carries none. */
    public String effectiveRole() {
        return role == null ? ROLE_MEMBER : role;
    }

    public static String groupKey(String groupId) {
        return "group/" + groupId;
    }

    public static String memberKey(String groupId, String userId) {
        return "group/" + groupId + "/" + userId;
    }
}
