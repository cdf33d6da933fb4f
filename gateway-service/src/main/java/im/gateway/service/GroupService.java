package im.gateway.service;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.opentelemetry.context.Context;

import im.gateway.auth.UserPrincipal;
import im.gateway.config.GatewayConfig;
import im.gateway.messaging.MembershipPublisher;
import im.gateway.messaging.MessagePublisher;
import im.protocol.ConversationKey;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.Envelope;
import im.protocol.ErrorCode;
import im.protocol.GroupEvent;
import im.protocol.Ids;
import im.protocol.JsonCodec;
import im.protocol.Membership;
import im.protocol.MembershipView;
import im.protocol.MessageContent;
import im.protocol.MessageIds;
import im.protocol.ProtocolException;
import im.protocol.RecordRules;
import im.protocol.Sender;

/**
 * Groups and their members, kept in the compacted {@code im.membership} topic, with ZIM's roles ({@link GroupRules}): the
 * creator owns a group; the owner and admins add and remove members and edit the group's info; the owner sets roles,
 * transfers ownership and dismisses the group; every member but the owner may leave. Each change, once Kafka has it, is
 * told in a server-generated {@code tips} message written to the group's conversation on {@code im.messages.reliable}
 * (stored and delivered like any reliable message); its {@code targets} name the users the change concerns, and routing
 * delivers a group's tips to the members and the targets, so a removed member or a dismissed group's members get it too.
 */
@ApplicationScoped
public class GroupService {

    /** A group as the v1 calls answer it (create, members, add, remove). */
    public record GroupView(String groupId, String name, String owner, List<String> members) {}

    /** A member and their role: {@code owner}, {@code admin} or {@code member}. */
    public record Member(String userId, String role) {}

    /** A group with its info and its members' roles ({@code GET /v1/groups/{id}}). */
    public record GroupInfo(String groupId, String name, String notice, String avatarUrl, Map<String, String> attributes,
            String owner, List<Member> members) {}

    /** One of the caller's groups. */
    public record MyGroup(String groupId, String name, String role, int memberCount) {}

    /** The caller's groups ({@code GET /v1/groups}). */
    public record MyGroups(List<MyGroup> groups) {}

    /** A change of a group's info: null leaves a field as it is; {@code attributes} replaces the whole map. */
    public record InfoChange(String name, String notice, String avatarUrl, Map<String, String> attributes) {}

    @Inject
    MembershipView view;

    @Inject
    MembershipPublisher publisher;

    @Inject
    MessagePublisher messages;

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
        requireRoom(all.size());
        // decided in one place: the first creator's claim wins, whichever node it came through and whatever this node's
        // view holds right now
        return history.claimGroup(id, caller.userId()).subscribeAsCompletionStage().thenCompose(claimed -> {
            long now = System.currentTimeMillis();
            List<Membership> records = new ArrayList<>();
            records.add(Membership.group(id, name, caller.userId(), null, null, null, now));
            all.forEach(user -> records.add(Membership.member(id, user, Membership.ROLE_MEMBER, now)));
            return publisher.write(records, List.of());
        }).thenCompose(Context.current().wrapFunction(v -> tips(caller, id, GroupEvent.GROUP_CREATED,
                all.stream().filter(user -> !user.equals(caller.userId())).toList()))).thenApply(v -> show(id));
    }

    /** Adds members (owner or admins); users who are members already are left as they are. */
    public CompletableFuture<GroupView> addMembers(UserPrincipal caller, String groupId, List<String> userIds) {
        GroupRules.requireManager(requireRole(caller, groupId), "add members");
        List<String> added = checkedUsers(userIds).stream().distinct().filter(user -> !view.isMember(groupId, user))
                .toList();
        if (added.isEmpty()) {
            return CompletableFuture.completedFuture(show(groupId));
        }
        requireRoom(view.members(groupId).size() + added.size());
        long now = System.currentTimeMillis();
        List<Membership> records = added.stream()
                .map(user -> Membership.member(groupId, user, Membership.ROLE_MEMBER, now)).toList();
        return publisher.write(records, List.of())
                .thenCompose(Context.current().wrapFunction(v -> tips(caller, groupId, GroupEvent.MEMBERS_JOINED, added)))
                .thenApply(v -> show(groupId));
    }

    /**
     * Removes a member: the owner removes admins and members, an admin removes members; the owner is never removed.
     * Removing oneself is leaving (the v1 way to leave).
     */
    public CompletableFuture<GroupView> removeMember(UserPrincipal caller, String groupId, String userId) {
        String callerRole = requireRole(caller, groupId);
        Ids.requireId(userId, "user");
        if (caller.userId().equals(userId)) {
            return leave(caller, groupId).thenApply(v -> show(groupId));
        }
        GroupRules.requireManager(callerRole, "remove members");
        String targetRole = view.role(groupId, userId)
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_FOUND, userId + " is not a member of " + groupId));
        GroupRules.checkRemove(callerRole, targetRole);
        return publisher.write(List.of(), List.of(Membership.memberKey(groupId, userId)))
                .thenCompose(
                        Context.current().wrapFunction(v -> tips(caller, groupId, GroupEvent.MEMBERS_REMOVED, List.of(userId))))
                .thenApply(v -> show(groupId));
    }

    /** Leaves a group: every member but the owner, who transfers ownership first. */
    public CompletableFuture<Void> leave(UserPrincipal caller, String groupId) {
        GroupRules.checkLeave(requireRole(caller, groupId));
        return publisher.write(List.of(), List.of(Membership.memberKey(groupId, caller.userId())))
                .thenCompose(Context.current()
                        .wrapFunction(v -> tips(caller, groupId, GroupEvent.MEMBER_LEFT, List.of(caller.userId()))));
    }

    /** Gives a member the role {@code admin} or {@code member}: the owner only. */
    public CompletableFuture<GroupInfo> setRole(UserPrincipal caller, String groupId, String userId, String role) {
        String callerRole = requireRole(caller, groupId);
        GroupRules.requireOwner(callerRole, "sets roles");
        String newRole = GroupRules.assignableRole(role);
        Ids.requireId(userId, "user");
        String targetRole = view.role(groupId, userId)
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_FOUND, userId + " is not a member of " + groupId));
        GroupRules.checkSetRole(callerRole, targetRole);
        if (newRole.equals(targetRole)) {
            return CompletableFuture.completedFuture(info(groupId));
        }
        return publisher.write(List.of(Membership.member(groupId, userId, newRole, System.currentTimeMillis())), List.of())
                .thenCompose(
                        Context.current().wrapFunction(v -> tips(caller, groupId, GroupEvent.ROLE_CHANGED, List.of(userId))))
                .thenApply(v -> info(groupId));
    }

    /** Makes another member the owner: the owner only; the old owner becomes a member. */
    public CompletableFuture<GroupInfo> transferOwner(UserPrincipal caller, String groupId, String newOwner) {
        String callerRole = requireRole(caller, groupId);
        Ids.requireId(newOwner, "new owner");
        GroupRules.checkTransfer(callerRole, caller.userId(), newOwner);
        if (!view.isMember(groupId, newOwner)) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, newOwner + " is not a member of " + groupId);
        }
        Membership group = view.group(groupId).orElseThrow();
        long now = System.currentTimeMillis();
        List<Membership> records = List.of(
                Membership.group(groupId, group.name(), newOwner, group.notice(), group.avatarUrl(), group.attributes(), now),
                Membership.member(groupId, caller.userId(), Membership.ROLE_MEMBER, now),
                Membership.member(groupId, newOwner, Membership.ROLE_MEMBER, now));
        return publisher.write(records, List.of())
                .thenCompose(
                        Context.current().wrapFunction(v -> tips(caller, groupId, GroupEvent.OWNER_CHANGED, List.of(newOwner))))
                .thenApply(v -> info(groupId));
    }

    /** Dismisses a group: the owner only. Its group and member records are removed; every member gets the tips. */
    public CompletableFuture<Void> dismiss(UserPrincipal caller, String groupId) {
        GroupRules.requireOwner(requireRole(caller, groupId), "dismisses the group");
        List<String> members = List.copyOf(new TreeSet<>(view.members(groupId)));
        List<String> keys = new ArrayList<>();
        members.forEach(user -> keys.add(Membership.memberKey(groupId, user)));
        keys.add(Membership.groupKey(groupId));
        return publisher.write(List.of(), keys)
                .thenCompose(Context.current().wrapFunction(v -> tips(caller, groupId, GroupEvent.GROUP_DISMISSED, members)));
    }

    /** Changes the group's name, notice, avatar URL or attributes: owner or admins. */
    public CompletableFuture<GroupInfo> update(UserPrincipal caller, String groupId, InfoChange change) {
        GroupRules.requireManager(requireRole(caller, groupId), "edit the group's info");
        if (change == null || (change.name() == null && change.notice() == null && change.avatarUrl() == null
                && change.attributes() == null)) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "name, notice, avatarUrl or attributes required");
        }
        Ids.requireName(change.name());
        GatewayConfig.Groups limits = config.groups();
        RecordRules.checkGroupInfo(change.notice(), change.avatarUrl(), change.attributes(), limits.noticeMaxBytes(),
                limits.avatarUrlMaxBytes(), limits.attributesMax(), limits.attributeKeyMaxBytes(),
                limits.attributeValueMaxBytes());
        Membership group = view.group(groupId).orElseThrow();
        Membership changed = Membership.group(groupId, pick(change.name(), group.name()),
                group.owner(), pick(change.notice(), group.notice()), pick(change.avatarUrl(), group.avatarUrl()),
                change.attributes() != null ? change.attributes() : group.attributes(), System.currentTimeMillis());
        if (Objects.equals(changed.name(), group.name()) && Objects.equals(changed.notice(), group.notice())
                && Objects.equals(changed.avatarUrl(), group.avatarUrl())
                && Objects.equals(attributes(changed), attributes(group))) {
            return CompletableFuture.completedFuture(info(groupId));
        }
        return publisher.write(List.of(changed), List.of())
                .thenCompose(
                        Context.current().wrapFunction(v -> tips(caller, groupId, GroupEvent.GROUP_INFO_CHANGED, List.of())))
                .thenApply(v -> info(groupId));
    }

    /** A group with its info and roles: members only. */
    public GroupInfo group(UserPrincipal caller, String groupId) {
        requireRole(caller, groupId);
        return info(groupId);
    }

    /** The caller's groups with their role and member count, by group id. */
    public MyGroups myGroups(UserPrincipal caller) {
        List<MyGroup> groups = new ArrayList<>();
        for (String groupId : new TreeSet<>(view.groupsOf(caller.userId()))) {
            Membership group = view.group(groupId).orElse(null);
            String role = view.role(groupId, caller.userId()).orElse(null);
            if (group != null && role != null) {
                groups.add(new MyGroup(groupId, group.name(), role, view.members(groupId).size()));
            }
        }
        return new MyGroups(groups);
    }

    public GroupView members(UserPrincipal caller, String groupId) {
        requireRole(caller, groupId);
        return show(groupId);
    }

    /** The caller's role in the group: NOT_FOUND for an unknown group, FORBIDDEN for a non-member. */
    private String requireRole(UserPrincipal caller, String groupId) {
        Ids.requireId(groupId, "group");
        if (view.group(groupId).isEmpty()) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "no group " + groupId);
        }
        return view.role(groupId, caller.userId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.FORBIDDEN, "not a member of group " + groupId));
    }

    private void requireRoom(int members) {
        if (members > config.groups().maxMembers()) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                    "a group holds at most " + config.groups().maxMembers() + " members");
        }
    }

    private List<String> checkedUsers(List<String> userIds) {
        if (userIds == null) {
            return List.of();
        }
        return Ids.requireIds(userIds, config.groupRequestMaxMembers(), "member");
    }

    /**
     * Writes the change's tips message into the group's conversation, sent by the operator. The change is made already:
     * should Kafka not take the tips, the caller hears UNAVAILABLE and the members miss this one notice. Callers run it
     * in the request's trace context ({@code Context.wrapFunction}), which the tips record continues.
     */
    private CompletableFuture<Void> tips(UserPrincipal operator, String groupId, GroupEvent event, List<String> targets) {
        long now = System.currentTimeMillis();
        ConversationRef to = new ConversationRef(ConversationType.GROUP, groupId);
        Envelope envelope = new Envelope(Envelope.VERSION, MessageIds.next(now), null,
                ConversationKey.of(operator.userId(), to).value(), to, new Sender(operator.userId(), operator.userName()),
                now, null, null, null, null, null, MessageContent.tips(event.wireName(), operator.userId(), targets));
        return messages.publish(envelope, JsonCodec.encodeBytes(envelope), Context.current())
                .orTimeout(config.produceTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .<Void>thenApply(metadata -> null)
                .exceptionally(failure -> {
                    throw new ProtocolException(ErrorCode.UNAVAILABLE,
                            "the group changed, but Kafka did not take its tips message");
                });
    }

    private GroupView show(String groupId) {
        Membership group = view.group(groupId).orElse(null);
        return new GroupView(groupId, group == null ? null : group.name(), group == null ? null : group.owner(),
                List.copyOf(new TreeSet<>(view.members(groupId))));
    }

    private GroupInfo info(String groupId) {
        Membership group = view.group(groupId).orElse(null);
        List<Member> members = new ArrayList<>();
        for (String userId : new TreeSet<>(view.members(groupId))) {
            view.role(groupId, userId).ifPresent(role -> members.add(new Member(userId, role)));
        }
        if (group == null) {
            return new GroupInfo(groupId, null, "", "", Map.of(), null, members);
        }
        return new GroupInfo(groupId, group.name(), group.notice() == null ? "" : group.notice(),
                group.avatarUrl() == null ? "" : group.avatarUrl(), attributes(group), group.owner(), members);
    }

    private static Map<String, String> attributes(Membership group) {
        return group.attributes() == null ? Map.of() : new TreeMap<>(group.attributes());
    }

    private static String pick(String given, String current) {
        return given != null ? given : current;
    }
}
