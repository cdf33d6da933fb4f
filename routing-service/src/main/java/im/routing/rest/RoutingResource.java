package im.routing.rest;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import im.edge.ServiceTokens;
import im.protocol.MembershipView;
import im.routing.presence.PresenceTable;

/**
 * Read-only views of routing's tables for operators and tests: where a user is connected, who entered a room, which
 * gateway nodes are alive, who belongs to a group.
 */
@RolesAllowed(ServiceTokens.ROLE)
@Path("/v1/routing")
public class RoutingResource {

    /** A user's live entries. */
    public record UserPresence(String userId, List<PresenceTable.Entry> nodes) {}

    @Inject
    PresenceTable presence;

    @Inject
    MembershipView membership;

    @GET
    @Path("/presence/{userId}")
    public UserPresence user(@PathParam("userId") String userId) {
        return new UserPresence(userId, presence.entriesOf(userId));
    }

    @GET
    @Path("/rooms/{roomId}")
    public Map<String, Set<String>> room(@PathParam("roomId") String roomId) {
        return presence.roomMembersByNode(roomId);
    }

    @GET
    @Path("/nodes")
    public Map<String, PresenceTable.NodeState> nodes() {
        return presence.nodes();
    }

    @GET
    @Path("/groups/{groupId}/members")
    public Set<String> members(@PathParam("groupId") String groupId) {
        return new TreeSet<>(membership.members(groupId));
    }
}
