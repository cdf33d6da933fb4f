package im.gateway.rest;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import io.quarkus.security.Authenticated;

import im.gateway.presence.PresenceService;
import im.protocol.ErrorCode;
import im.protocol.Limits;
import im.protocol.PresenceFrames.Listing;
import im.protocol.ProtocolException;

/**
 * {@code GET /v1/presence?userIds=a,b} (v1.1): the presence of up to 100 users as this node's copy of {@code im.presence}
 * holds it — the same state the {@code presence} pushes carry.
 */
@Authenticated
@Path("/v1/presence")
public class PresenceResource {

    @Inject
    PresenceService presence;

    @GET
    public Listing get(@QueryParam("userIds") List<String> userIds) {
        List<String> ids = new ArrayList<>();
        for (String param : userIds == null ? List.<String>of() : userIds) {
            for (String id : param.split(",", -1)) {
                ids.add(id.trim());
                if (ids.size() > Limits.PRESENCE_USER_IDS_MAX) {
                    throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                            "at most " + Limits.PRESENCE_USER_IDS_MAX + " user ids");
                }
            }
        }
        return new Listing(presence.lookup(ids));
    }
}
