package im.gateway.rest;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.Authenticated;

import im.gateway.auth.TokenVerifier;
import im.gateway.service.GroupService;
import im.gateway.service.GroupService.GroupInfo;
import im.gateway.service.GroupService.GroupView;
import im.gateway.service.GroupService.InfoChange;
import im.gateway.service.GroupService.MyGroups;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Groups, their info, members and roles: {@code POST/GET /v1/groups}, {@code GET/PATCH/DELETE /v1/groups/{id}},
 * {@code GET/POST /v1/groups/{id}/members}, {@code PATCH/DELETE …/members/{userId}}, {@code POST …/leave} and
 * {@code POST …/owner}. Leaving and dismissing answer 204.
 */
@Authenticated
@Path("/v1/groups")
public class GroupResource {

    /** Create request: an optional id (generated when absent), a name and the first members besides the caller. */
    public record CreateGroup(String groupId, String name, List<String> members) {}

    /** Add request: users to add. */
    public record AddMembers(List<String> userIds) {}

    /** Info change: the fields to change; {@code attributes} replaces the whole map. */
    public record UpdateGroup(String name, String notice, String avatarUrl, Map<String, String> attributes) {}

    /** Role request: {@code admin} or {@code member}. */
    public record SetRole(String role) {}

    /** Transfer request: the member who becomes the owner. */
    public record TransferOwner(String userId) {}

    @Inject
    GroupService groups;

    @Inject
    TokenVerifier tokens;

    @Inject
    JsonWebToken jwt;

    @POST
    public CompletionStage<GroupView> create(CreateGroup request) {
        if (request == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "body required");
        }
        return groups.create(tokens.principal(jwt), request.groupId(), request.name(), request.members());
    }

    @GET
    public MyGroups mine() {
        return groups.myGroups(tokens.principal(jwt));
    }

    @GET
    @Path("/{groupId}")
    public GroupInfo group(@PathParam("groupId") String groupId) {
        return groups.group(tokens.principal(jwt), groupId);
    }

    @PATCH
    @Path("/{groupId}")
    public CompletionStage<GroupInfo> update(@PathParam("groupId") String groupId, UpdateGroup request) {
        if (request == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                    "body {\"name\"|\"notice\"|\"avatarUrl\"|\"attributes\"} required");
        }
        return groups.update(tokens.principal(jwt), groupId,
                new InfoChange(request.name(), request.notice(), request.avatarUrl(), request.attributes()));
    }

    @DELETE
    @Path("/{groupId}")
    public CompletionStage<Void> dismiss(@PathParam("groupId") String groupId) {
        return groups.dismiss(tokens.principal(jwt), groupId);
    }

    @GET
    @Path("/{groupId}/members")
    public GroupView members(@PathParam("groupId") String groupId) {
        return groups.members(tokens.principal(jwt), groupId);
    }

    @POST
    @Path("/{groupId}/members")
    public CompletionStage<GroupView> add(@PathParam("groupId") String groupId, AddMembers request) {
        if (request == null || request.userIds() == null || request.userIds().isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "body {\"userIds\": [...]} required");
        }
        return groups.addMembers(tokens.principal(jwt), groupId, request.userIds());
    }

    @DELETE
    @Path("/{groupId}/members/{userId}")
    public CompletionStage<GroupView> remove(@PathParam("groupId") String groupId, @PathParam("userId") String userId) {
        return groups.removeMember(tokens.principal(jwt), groupId, userId);
    }

    @PATCH
    @Path("/{groupId}/members/{userId}")
    public CompletionStage<GroupInfo> setRole(@PathParam("groupId") String groupId, @PathParam("userId") String userId,
            SetRole request) {
        if (request == null || request.role() == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "body {\"role\": \"admin\"|\"member\"} required");
        }
        return groups.setRole(tokens.principal(jwt), groupId, userId, request.role());
    }

    @POST
    @Path("/{groupId}/leave")
    public CompletionStage<Void> leave(@PathParam("groupId") String groupId) {
        return groups.leave(tokens.principal(jwt), groupId);
    }

    @POST
    @Path("/{groupId}/owner")
    public CompletionStage<GroupInfo> transfer(@PathParam("groupId") String groupId, TransferOwner request) {
        if (request == null || request.userId() == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "body {\"userId\"} required");
        }
        return groups.transferOwner(tokens.principal(jwt), groupId, request.userId());
    }
}
