package im.protocol;

import java.io.IOException;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;

/** Message priority: under pressure outbound queues drop low first and high last. */
@JsonDeserialize(using = Priority.Reader.class)
public enum Priority {
    LOW,
    MEDIUM,
    HIGH;

    /** Computed once: encoding and decoding ask for it for every message. */
    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The lower-case wire name. */
    @JsonValue
    public String wireName() {
        return wire;
    }

    /** The priority of a wire name, or null when it names none. */
    public static Priority fromWire(String name) {
        for (Priority priority : values()) {
            if (priority.wireName().equals(name)) {
                return priority;
            }
        }
        return null;
    }

    /** An unknown priority is refused, never read as absent (the codec reads other unknown enum values as null). */
    static final class Reader extends StdScalarDeserializer<Priority> {
        private static final long serialVersionUID = 1L;

        Reader() {
            super(Priority.class);
        }

        @Override
        public Priority deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            Priority priority = fromWire(parser.getValueAsString());
            if (priority == null) {
                throw JsonMappingException.from(parser, "priority must be low, medium or high");
            }
            return priority;
        }
    }
}
