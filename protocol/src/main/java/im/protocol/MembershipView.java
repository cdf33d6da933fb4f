package im.protocol;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state that the compacted {@code im.membership} topic describes, folded from its records: which groups exist and who
 * belongs to them, in which role. Every reader of the topic (gateway, routing, history) folds it the same way, so the semantics of keys
 * and tombstones live here, next to {@link Membership}. Thread-safe; reads never block writes.
 */
public final class MembershipView {
    private final Map<String, Membership> groups = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Membership>> members = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> groupsOfUser = new ConcurrentHashMap<>();

    /** Applies one record: {@code value} null is a tombstone. Keys that are not membership keys are ignored. */
    public void apply(String key, Membership value) {
        if (key == null || !key.startsWith("group/")) {
            return;
        }
        String rest = key.substring("group/".length());
        int slash = rest.indexOf('/');
        if (slash < 0) {
            if (value == null) {
                groups.remove(rest);
                Map<String, Membership> gone = members.remove(rest);
                if (gone != null) {
                    gone.keySet().forEach(user -> unlink(user, rest));
                }
            } else {
                groups.put(rest, value);
            }
            return;
        }
        String groupId = rest.substring(0, slash);
        String userId = rest.substring(slash + 1);
        if (value == null) {
            Map<String, Membership> map = members.get(groupId);
            if (map != null) {
                map.remove(userId);
            }
            unlink(userId, groupId);
        } else {
            members.computeIfAbsent(groupId, g -> new ConcurrentHashMap<>()).put(userId, value);
            groupsOfUser.computeIfAbsent(userId, u -> ConcurrentHashMap.newKeySet()).add(groupId);
        }
    }

    /** The groups a user belongs to. */
    public Set<String> groupsOf(String userId) {
        Set<String> set = groupsOfUser.get(userId);
        return set == null ? Set.of() : Collections.unmodifiableSet(set);
    }

    private void unlink(String userId, String groupId) {
        groupsOfUser.computeIfPresent(userId, (u, set) -> {
            set.remove(groupId);
            return set.isEmpty() ? null : set;
        });
    }

    public Optional<Membership> group(String groupId) {
        return Optional.ofNullable(groups.get(groupId));
    }

    public boolean isMember(String groupId, String userId) {
        Map<String, Membership> map = members.get(groupId);
        return map != null && map.containsKey(userId);
    }

    /** The members of a group: a live view, empty when the group is unknown. */
    public Set<String> members(String groupId) {
        Map<String, Membership> map = members.get(groupId);
        return map == null ? Set.of() : Collections.unmodifiableSet(map.keySet());
    }

    /**
     * A member's role in a group: {@link Membership#ROLE_OWNER} for the group's owner, else the member record's role
     * ({@link Membership#ROLE_MEMBER} when it carries none); empty when the group is unknown or the user is no member.
     */
    public Optional<String> role(String groupId, String userId) {
        Map<String, Membership> map = members.get(groupId);
        Membership member = map == null ? null : map.get(userId);
        Membership group = groups.get(groupId);
        if (member == null || group == null) {
            return Optional.empty();
        }
        return Optional.of(userId.equals(group.owner()) ? Membership.ROLE_OWNER : member.effectiveRole());
    }
}
