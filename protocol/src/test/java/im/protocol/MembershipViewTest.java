package im.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MembershipViewTest {

    @Test
    void role_isOwnerForTheGroupsOwner_theRecordsRoleOtherwise_andMemberWithoutOne() {
        MembershipView view = new MembershipView();
        view.apply(Membership.groupKey("g1"), new Membership(1, Membership.KIND_GROUP, "g1", null, "Team", "alice", 1));
        view.apply(Membership.memberKey("g1", "alice"),
                new Membership(1, Membership.KIND_MEMBER, "g1", "alice", null, null, 1));
        view.apply(Membership.memberKey("g1", "bob"), Membership.member("g1", "bob", Membership.ROLE_ADMIN, 1));
        view.apply(Membership.memberKey("g1", "carol"),
                new Membership(1, Membership.KIND_MEMBER, "g1", "carol", null, null, 1));

        assertThat(view.role("g1", "alice")).contains(Membership.ROLE_OWNER);
        assertThat(view.role("g1", "bob")).contains(Membership.ROLE_ADMIN);
        assertThat(view.role("g1", "carol")).as("a pre-v1.1 record").contains(Membership.ROLE_MEMBER);
        assertThat(view.role("g1", "dave")).isEmpty();
        assertThat(view.members("g1")).containsExactlyInAnyOrder("alice", "bob", "carol");

        view.apply(Membership.memberKey("g1", "bob"), null);
        assertThat(view.role("g1", "bob")).isEmpty();
        assertThat(view.groupsOf("bob")).isEmpty();
        view.apply(Membership.groupKey("g1"), null);
        assertThat(view.members("g1")).isEmpty();
        assertThat(view.role("g1", "alice")).isEmpty();
        assertThat(view.groupsOf("alice")).isEmpty();
    }
}
