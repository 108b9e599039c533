package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** The answer to {@code POST /containers/create}; docker always sends Warnings, as [] when there are none. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerCreateResponse(@JsonProperty("Id") String id, @JsonProperty("Warnings") List<String> warnings) {
}
