package im.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

class GroupRulesTest {
    private static final String OWNER = "owner";
    private static final String ADMIN = "admin";
    private static final String MEMBER = "member";

    private static ErrorCode codeOf(Runnable check) {
        try {
            check.run();
            return null;
        } catch (ProtocolException e) {
            return e.code();
        }
    }

    @Test
    void ownerAndAdmins_manageMembersAndInfo_membersDoNot() {
        assertThatCode(() -> GroupRules.requireManager(OWNER, "add members")).doesNotThrowAnyException();
        assertThatCode(() -> GroupRules.requireManager(ADMIN, "add members")).doesNotThrowAnyException();
        assertThat(codeOf(() -> GroupRules.requireManager(MEMBER, "add members"))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(codeOf(() -> GroupRules.requireManager(null, "add members"))).isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void removal_theOwnerIsNeverRemoved_adminsRemoveOnlyMembers() {
        assertThatCode(() -> GroupRules.checkRemove(OWNER, ADMIN)).doesNotThrowAnyException();
        assertThatCode(() -> GroupRules.checkRemove(OWNER, MEMBER)).doesNotThrowAnyException();
        assertThatCode(() -> GroupRules.checkRemove(ADMIN, MEMBER)).doesNotThrowAnyException();
        assertThat(codeOf(() -> GroupRules.checkRemove(ADMIN, ADMIN))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(codeOf(() -> GroupRules.checkRemove(ADMIN, OWNER))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(codeOf(() -> GroupRules.checkRemove(MEMBER, MEMBER))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(codeOf(() -> GroupRules.checkRemove(OWNER, OWNER))).isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void roles_areSetByTheOwnerOnly_toAdminOrMember() {
        assertThat(GroupRules.assignableRole("admin")).isEqualTo(ADMIN);
        assertThat(GroupRules.assignableRole("member")).isEqualTo(MEMBER);
        assertThat(codeOf(() -> GroupRules.assignableRole("owner"))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> GroupRules.assignableRole("Admin"))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(codeOf(() -> GroupRules.assignableRole(null))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThatCode(() -> GroupRules.checkSetRole(OWNER, MEMBER)).doesNotThrowAnyException();
        assertThat(codeOf(() -> GroupRules.checkSetRole(ADMIN, MEMBER))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(codeOf(() -> GroupRules.checkSetRole(MEMBER, MEMBER))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(codeOf(() -> GroupRules.checkSetRole(OWNER, OWNER))).isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void leaving_isForEverybodyButTheOwner() {
        assertThatCode(() -> GroupRules.checkLeave(ADMIN)).doesNotThrowAnyException();
        assertThatCode(() -> GroupRules.checkLeave(MEMBER)).doesNotThrowAnyException();
        assertThat(codeOf(() -> GroupRules.checkLeave(OWNER))).isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void transferAndDismissal_areTheOwners() {
        assertThatCode(() -> GroupRules.checkTransfer(OWNER, "alice", "bob")).doesNotThrowAnyException();
        assertThat(codeOf(() -> GroupRules.checkTransfer(ADMIN, "alice", "bob"))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(codeOf(() -> GroupRules.checkTransfer(OWNER, "alice", "alice"))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThatCode(() -> GroupRules.requireOwner(OWNER, "dismisses")).doesNotThrowAnyException();
        assertThat(codeOf(() -> GroupRules.requireOwner(ADMIN, "dismisses"))).isEqualTo(ErrorCode.FORBIDDEN);
    }
}
