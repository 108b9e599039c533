package io.berth.api.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The JSON settings both sides of the Engine API share: lenient on read (newer peers send more), docker's layout on write. */
public final class ApiJson {
    private ApiJson() {
    }

    /** A mapper that ignores unknown properties and never fails on empty beans. */
    public static ObjectMapper newMapper() {
        return new ObjectMapper()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    }
}
