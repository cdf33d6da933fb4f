package im.edge;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.jackson.ObjectMapperCustomizer;

import im.protocol.JsonCodec;

/**
 * REST bodies are read by the same rules as frames and records ({@link JsonCodec#configure}): no NUL or unpaired
 * surrogate in any string, no null inside any list. A body that breaks them is a 400 {@code INVALID_REQUEST}.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        JsonCodec.configure(mapper);
    }
}
