package im.gateway.config;

import io.smallrye.config.ConfigMapping;

/** The token secret shared with the app's backend that signs tokens. */
@ConfigMapping(prefix = "im.jwt")
public interface JwtConfig {

    /** HS256 secret (at least 32 bytes); set IM_JWT_SECRET in production. */
    String secret();
}
