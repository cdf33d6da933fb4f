package im.gateway.auth;

/**
 * Who a verified token speaks for.
 *
 * @param userId the token's subject
 * @param userName the token's name claim, or null
 * @param expiresAtMillis when the token expires, epoch milliseconds
 * @param admin whether the token's groups hold admin
 */
public record UserPrincipal(String userId, String userName, long expiresAtMillis, boolean admin) {}
