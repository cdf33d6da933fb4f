package im.protocol;

import java.io.IOException;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;

/**
 * The one JSON codec of the contract: nulls are left out, unknown fields are ignored (newer producers may add fields), and
 * unreadable input is a {@link ErrorCode#INVALID_REQUEST}, never a parser stack trace. What it reads is held to what
 * storage and every consumer accept ({@link #strictness()}): no NUL or unpaired surrogate in any string, no null inside
 * any list, no nesting deeper than {@link Limits#JSON_MAX_DEPTH}.
 */
public final class JsonCodec {
    private static final ObjectMapper MAPPER = configure(JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            // an unknown message type is refused by the rules with the request's id, not as an unreadable frame
            .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_AS_NULL)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build());

    private JsonCodec() {
    }

    /**
     * The contract's input rules as a Jackson module, for every mapper that reads the contract's JSON (this codec and the
     * services' REST mappers): each string is checked by {@link Text}.
     */
    public static SimpleModule strictness() {
        SimpleModule module = new SimpleModule("im-protocol-strictness");
        module.addDeserializer(String.class, new CheckedStrings());
        return module;
    }

    /**
     * Applies {@link #strictness()}, refuses null elements inside lists, arrays and maps, and bounds nesting to
     * {@link Limits#JSON_MAX_DEPTH}: a message holds combined messages, each read by its own deserializer, so without a
     * bound a deep enough frame or record overflows the reading thread's stack instead of being refused.
     */
    public static <M extends ObjectMapper> M configure(M mapper) {
        mapper.registerModule(strictness());
        mapper.setDefaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL));
        mapper.getFactory().setStreamReadConstraints(mapper.getFactory().streamReadConstraints().rebuild()
                .maxNestingDepth(Limits.JSON_MAX_DEPTH).build());
        return mapper;
    }

    /** Jackson's own string reading (coercions included), then the contract's text rule. */
    private static final class CheckedStrings extends StringDeserializer {
        private static final long serialVersionUID = 1L;

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String value = super.deserialize(parser, context);
            String problem = Text.problem(value);
            if (problem != null) {
                throw JsonMappingException.from(parser, problem);
            }
            return value;
        }

        @Override
        public boolean isCachable() {
            return true;
        }
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

    /** Reads UTF-8 {@code json} as {@code type}, like {@link #decode(String, Class)}. */
    public static <T> T decode(byte[] json, Class<T> type) {
        if (json == null || json.length == 0) {
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

    /**
     * The {@code id} of a JSON object whose other fields could not be read, so that a refusal still names the request;
     * null when there is none or the JSON is not an object.
     */
    public static String requestIdOf(String json) {
        try (JsonParser parser = MAPPER.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("id".equals(field)) {
                    return value == JsonToken.VALUE_STRING && Text.isValid(parser.getText()) ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
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
