package im.gateway.rest;

import java.util.List;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.Authenticated;

import im.gateway.auth.TokenVerifier;
import im.gateway.service.GroupService;
import im.gateway.service.GroupService.GroupView;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/** Groups and their members: {@code POST /v1/groups}, {@code GET/POST /v1/groups/{id}/members}, {@code DELETE …/{userId}}. */
@Authenticated
@Path("/v1/groups")
public class GroupResource {

    /** Create request: an optional id (generated when absent), a name and the first members besides the caller. */
    public record CreateGroup(String groupId, String name, List<String> members) {}

    /** Add request: users to add. */
    public record AddMembers(List<String> userIds) {}

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
}
