package im.protocol;

import java.io.IOException;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON codec of the contract: nulls are left out, unknown fields are ignored (newer producers may add fields), and
 * unreadable input is a {@link ErrorCode#INVALID_REQUEST}, never a parser stack trace.
 */
public final class JsonCodec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            // an unknown type or priority is refused by the rules with the request's id, not as an unreadable frame
            .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_AS_NULL)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private JsonCodec() {
    }

    /** The configured mapper, for frameworks that take one. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String encode(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.INTERNAL, "cannot encode " + value.getClass().getSimpleName());
        }
    }

    public static byte[] encodeBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.INTERNAL, "cannot encode " + value.getClass().getSimpleName());
        }
    }

    /** Reads {@code json} as {@code type}; anything unreadable is refused with a short reason. */
    public static <T> T decode(String json, Class<T> type) {
        if (json == null || json.isBlank()) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "empty JSON");
        }
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST, "expected a JSON object");
            }
            return value;
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "malformed JSON: " + shortReason(e));
        }
    }

    public static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "malformed JSON: " + shortReason(e));
        }
    }

    private static String shortReason(IOException e) {
        String message = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        return message.length() > 200 ? message.substring(0, 200) : message;
    }
}
