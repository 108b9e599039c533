package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** The answer to {@code GET /containers/{id}/top}: ps's column titles and one row of fields per process. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerTop(@JsonProperty("Titles") List<String> titles,
                           @JsonProperty("Processes") List<List<String>> processes) {
}
