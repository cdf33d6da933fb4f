package im.media.service;

import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import im.media.persistence.MediaEntity;
import im.media.storage.Keys;
import im.media.storage.Keys.Variant;
import im.protocol.ErrorCode;
import im.protocol.Media;
import im.protocol.ProtocolException;

/**
 * Fresh URLs for an upload whose stored URLs expired (they live {@code url-ttl}, messages in history much longer). Only
 * for a caller who proves access without the service keeping per-user grants: an <em>authentic</em> URL of the upload
 * (this service's signature, expired or not: its holder had the message that carried it), or being the upload's owner.
 * A bare mediaId proves nothing. A withdrawn upload (its message was recalled) is {@code GONE} and never signed again.
 */
@ApplicationScoped
public class UrlRenewal {
    /** {@code exp}: epoch seconds. */
    private static final Pattern EXP = Pattern.compile("\\d{1,18}");

    /** What a request shows: a URL's parameters (both or neither) and the caller. */
    public record Proof(String mediaId, Variant variant, String exp, String sig, String userId) {}

    private final MediaService service;
    private final UrlSigner signer;

    UrlRenewal(MediaService service, UrlSigner signer) {
        this.service = service;
        this.signer = signer;
    }

    /** The upload with URLs valid for {@code url-ttl} from now, or the refusal. Blocking. */
    public Media renew(Proof proof) {
        boolean authentic = checkSignature(proof, signer);
        return service.toMedia(decide(authentic, service.find(proof.mediaId()), proof.userId()), true);
    }

    /**
     * Checks the parameters ({@code INVALID_REQUEST} when malformed) and whether the signature is this service's, before
     * anything is looked up.
     */
    static boolean checkSignature(Proof proof, UrlSigner signer) {
        if (!Keys.isMediaId(proof.mediaId())) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "a mediaId is a lower-case UUID");
        }
        if (proof.variant() == null) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "variant is original, thumbnail or large");
        }
        if ((proof.exp() == null) != (proof.sig() == null)) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "exp and sig come together, from a URL of this file");
        }
        if (proof.exp() == null) {
            return false;
        }
        if (!EXP.matcher(proof.exp()).matches()) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "exp must be epoch seconds");
        }
        return signer.authentic(proof.mediaId(), proof.variant(), proof.exp(), proof.sig());
    }

    /**
     * The row to sign URLs for, or the refusal: without an authentic URL only the owner may renew (anybody else is
     * {@code FORBIDDEN}, whether the upload exists or not, so ids cannot be probed); then {@code NOT_FOUND} for an
     * unknown upload and {@code GONE} for a withdrawn one.
     */
    static MediaEntity decide(boolean authentic, MediaEntity row, String userId) {
        if (!authentic && (row == null || !row.ownerId.equals(userId))) {
            throw new ProtocolException(ErrorCode.FORBIDDEN,
                    "renewing needs an authentic URL of this file (exp and sig), or being its owner");
        }
        if (row == null) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "no such media");
        }
        if (row.withdrawnAt != null) {
            throw new ProtocolException(ErrorCode.GONE, "the message that carried this file was recalled");
        }
        return row;
    }
}
