package im.gateway.service;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import im.gateway.auth.UserPrincipal;
import im.gateway.config.GatewayConfig;
import im.gateway.messaging.MembershipPublisher;
import im.protocol.ErrorCode;
import im.protocol.Ids;
import im.protocol.Membership;
import im.protocol.MembershipView;
import im.protocol.MessageIds;
import im.protocol.ProtocolException;

/**
 * Groups and their members, kept in the compacted {@code im.membership} topic. The creator owns a group; any member may
 * add members; the owner may remove anybody and every member may remove themself (leave).
 */
@ApplicationScoped
public class GroupService {

    /** A group as the API shows it. */
    public record GroupView(String groupId, String name, String owner, List<String> members) {}

    @Inject
    MembershipView view;

    @Inject
    MembershipPublisher publisher;

    @Inject
    GatewayConfig config;

    @Inject
    RateLimiter rateLimiter;

    @Inject
    HistoryLookup history;

    public CompletableFuture<GroupView> create(UserPrincipal caller, String groupId, String name, List<String> members) {
        String id = groupId == null
                ? "g" + MessageIds.next(System.currentTimeMillis()).replace("-", "").substring(0, 24)
                : Ids.requireId(groupId, "group");
        Ids.requireName(name);
        rateLimiter.require(RateLimiter.Kind.CREATE_GROUP, caller.userId());
        if (view.group(id).isPresent()) {
            throw new ProtocolException(ErrorCode.ALREADY_EXISTS, "group " + id + " exists");
        }
        Set<String> all = new LinkedHashSet<>();
        all.add(caller.userId());
        all.addAll(checkedUsers(members));
        // decided in one place: the first creator's claim wins, whichever node it came through and whatever this node's
        // view holds right now
        return history.claimGroup(id, caller.userId()).subscribeAsCompletionStage().thenCompose(claimed -> {
            long now = System.currentTimeMillis();
            List<Membership> records = new ArrayList<>();
            records.add(new Membership(1, Membership.KIND_GROUP, id, null, name, caller.userId(), now));
            all.forEach(user -> records.add(new Membership(1, Membership.KIND_MEMBER, id, user, null, null, now)));
            return publisher.write(records, List.of());
        }).thenApply(v -> show(id));
    }

    public CompletableFuture<GroupView> addMembers(UserPrincipal caller, String groupId, List<String> userIds) {
        requireMember(caller, groupId);
        long now = System.currentTimeMillis();
        List<Membership> records = checkedUsers(userIds).stream()
                .map(user -> new Membership(1, Membership.KIND_MEMBER, groupId, user, null, null, now)).toList();
        return publisher.write(records, List.of()).thenApply(v -> show(groupId));
    }

    public CompletableFuture<GroupView> removeMember(UserPrincipal caller, String groupId, String userId) {
        Membership group = requireMember(caller, groupId);
        if (!caller.userId().equals(userId) && !caller.userId().equals(group.owner())) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "only the owner removes other members");
        }
        if (!view.isMember(groupId, userId)) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, userId + " is not a member of " + groupId);
        }
        return publisher.write(List.of(), List.of(Membership.memberKey(groupId, userId))).thenApply(v -> show(groupId));
    }

    public GroupView members(UserPrincipal caller, String groupId) {
        requireMember(caller, groupId);
        return show(groupId);
    }

    private Membership requireMember(UserPrincipal caller, String groupId) {
        Ids.requireId(groupId, "group");
        Membership group = view.group(groupId)
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_FOUND, "no group " + groupId));
        if (!view.isMember(groupId, caller.userId())) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "not a member of group " + groupId);
        }
        return group;
    }

    private List<String> checkedUsers(List<String> userIds) {
        if (userIds == null) {
            return List.of();
        }
        return Ids.requireIds(userIds, config.groupRequestMaxMembers(), "member");
    }

    private GroupView show(String groupId) {
        Membership group = view.group(groupId).orElse(null);
        return new GroupView(groupId, group == null ? null : group.name(), group == null ? null : group.owner(),
                List.copyOf(new TreeSet<>(view.members(groupId))));
    }
}
