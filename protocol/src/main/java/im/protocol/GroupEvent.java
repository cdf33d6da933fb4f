package im.protocol;

/**
 * The {@code event} of the tips messages a gateway writes into a group's conversation when the group changes (PROTOCOL.md
 * v1.1, groups). Their {@code targets} are the users the change concerns; routing delivers a group's tips to the members it
 * knows at routing time and to the targets, so the members a change removed (or a dismissed group's members, all its
 * targets) get it although they are no members any more, and the members it added get it however far routing's
 * membership table lags.
 */
public enum GroupEvent {
    /** The group was created; targets: its first members besides the creator. */
    GROUP_CREATED("groupCreated"),
    /** Members were added; targets: the new members. */
    MEMBERS_JOINED("membersJoined"),
    /** A member left; targets: that member. */
    MEMBER_LEFT("memberLeft"),
    /** Members were removed; targets: the removed members. */
    MEMBERS_REMOVED("membersRemoved"),
    /** A member's role changed; targets: that member. */
    ROLE_CHANGED("roleChanged"),
    /** Name, notice, avatar URL or attributes changed; targets: none. */
    GROUP_INFO_CHANGED("groupInfoChanged"),
    /** Ownership was transferred; targets: the new owner. */
    OWNER_CHANGED("ownerChanged"),
    /** The group was dismissed; targets: every member it had. */
    GROUP_DISMISSED("groupDismissed");

    private final String wireName;

    GroupEvent(String wireName) {
        this.wireName = wireName;
    }

    /** The event's name in a tips message. */
    public String wireName() {
        return wireName;
    }
}
