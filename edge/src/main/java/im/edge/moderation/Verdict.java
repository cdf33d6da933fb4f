package im.edge.moderation;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The hook's answer.
 *
 * @param allow whether the content may be written (a missing field counts as false)
 * @param reason why not, shown to the sender in the refusal's message
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Verdict(boolean allow, String reason) {
    /** Let through. */
    public static final Verdict ALLOW = new Verdict(true, null);
}
