package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The body of every error answer: {"message": "..."}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ErrorResponse(@JsonProperty("message") String message) {
}
