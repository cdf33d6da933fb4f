package im.gateway.service;

import im.protocol.ErrorCode;
import im.protocol.Membership;
import im.protocol.ProtocolException;

/**
 * Who may change what in a group (PROTOCOL.md v1.1, ZIM's group roles): the owner does everything; admins add members,
 * remove ordinary members and edit the group's info; members read and leave. The owner is never removed and leaves only
 * after transferring ownership. Roles are the strings of {@link Membership}: {@code owner}, {@code admin}, {@code member}.
 */
final class GroupRules {

    private GroupRules() {
    }

    /** Whether {@code role} manages members and the group's info: owner or admin. */
    static boolean isManager(String role) {
        return Membership.ROLE_OWNER.equals(role) || Membership.ROLE_ADMIN.equals(role);
    }

    /** Adding members and editing the group's info: owner or admins. */
    static void requireManager(String callerRole, String what) {
        if (!isManager(callerRole)) {
            throw forbidden("only the owner and admins " + what);
        }
    }

    /** Setting roles, transferring ownership and dismissing: the owner only. */
    static void requireOwner(String callerRole, String what) {
        if (!Membership.ROLE_OWNER.equals(callerRole)) {
            throw forbidden("only the owner " + what);
        }
    }

    /** Removing a member other than oneself: the owner removes admins and members, an admin removes members. */
    static void checkRemove(String callerRole, String targetRole) {
        if (Membership.ROLE_OWNER.equals(targetRole)) {
            throw forbidden("the owner cannot be removed; transfer ownership first");
        }
        requireManager(callerRole, "remove members");
        if (Membership.ROLE_ADMIN.equals(targetRole) && !Membership.ROLE_OWNER.equals(callerRole)) {
            throw forbidden("only the owner removes admins");
        }
    }

    /** Leaving: anybody but the owner. */
    static void checkLeave(String callerRole) {
        if (Membership.ROLE_OWNER.equals(callerRole)) {
            throw forbidden("the owner leaves only after transferring ownership");
        }
    }

    /** A role the owner may give a member: {@code admin} or {@code member}; anything else (owner too) is refused. */
    static String assignableRole(String role) {
        if (Membership.ROLE_ADMIN.equals(role) || Membership.ROLE_MEMBER.equals(role)) {
            return role;
        }
        throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                "role is \"admin\" or \"member\" (ownership moves with POST /v1/groups/{id}/owner)");
    }

    /** Giving a member a role: the owner only, never to the owner themself. */
    static void checkSetRole(String callerRole, String targetRole) {
        requireOwner(callerRole, "sets roles");
        if (Membership.ROLE_OWNER.equals(targetRole)) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "the owner's role changes only by a transfer");
        }
    }

    /** Transferring ownership: the owner only, to another member. */
    static void checkTransfer(String callerRole, String caller, String newOwner) {
        requireOwner(callerRole, "transfers ownership");
        if (caller.equals(newOwner)) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "the group is yours already");
        }
    }

    private static ProtocolException forbidden(String detail) {
        return new ProtocolException(ErrorCode.FORBIDDEN, detail);
    }
}
