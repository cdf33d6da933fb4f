package im.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A change to a conversation that travels in its order on {@code im.messages.reliable} instead of a message: a recall
 * ({@code revoke}) or a delivered/read receipt ({@code receipt}).
 *
 * @param type {@code revoke} or {@code receipt}
 * @param messageId revoke: the message recalled
 * @param orderKey receipt: everything up to this orderKey
 * @param kind receipt: {@code delivered} or {@code read}
 */
public record Action(String type, String messageId, Long orderKey, String kind) {

    public static final String REVOKE = "revoke";
    public static final String RECEIPT = "receipt";
    public static final String DELIVERED = "delivered";
    public static final String READ = "read";

    public static Action revoke(String messageId) {
        return new Action(REVOKE, messageId, null, null);
    }

    public static Action receipt(long orderKey, String kind) {
        return new Action(RECEIPT, null, orderKey, kind);
    }

    /** Not a wire field (Jackson would write {@code is…} methods as properties). */
    @JsonIgnore
    public boolean isRevoke() {
        return REVOKE.equals(type);
    }

    /** Not a wire field. */
    @JsonIgnore
    public boolean isReceipt() {
        return RECEIPT.equals(type);
    }
}
