package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The answer to {@code POST /containers/{id}/wait}: the exit status, and Error when waiting itself failed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record WaitResponse(@JsonProperty("StatusCode") long statusCode, @JsonProperty("Error") Error error) {

    /** Why the wait failed. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Error(@JsonProperty("Message") String message) {
    }
}
