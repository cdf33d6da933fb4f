package im.media.rest;

import java.util.List;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Request parameters read so that a malformed one is {@code INVALID_REQUEST}, never a 500: Vert.x decodes the query lazily
 * and throws on a bad percent-escape, and what it decodes may hold NUL or unpaired surrogates, which PostgreSQL and JSON
 * encoders do not take.
 */
final class Params {

    private Params() {
    }

    /** The single value of query parameter {@code name}, or null; {@code INVALID_REQUEST} when malformed or repeated. */
    static String query(HttpServerRequest request, String name) {
        List<String> values;
        try {
            values = request.params().getAll(name);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "the query string is malformed");
        }
        if (values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, name + " must be given once");
        }
        return requireText(values.get(0), name);
    }

    /** A path parameter, {@code INVALID_REQUEST} when it holds NUL or unpaired surrogates. */
    static String path(RoutingContext ctx, String name) {
        return requireText(ctx.pathParam(name), name);
    }

    /** {@code value} unless it holds a NUL or an unpaired UTF-16 surrogate ({@code INVALID_REQUEST}). */
    static String requireText(String value, String name) {
        if (value != null && !isStorable(value)) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, name + " holds a NUL or an unpaired surrogate");
        }
        return value;
    }

    /** Whether {@code value} holds neither a NUL nor an unpaired surrogate. */
    static boolean isStorable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
