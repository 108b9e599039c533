package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** The answer to {@code POST /containers/{id}/update}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerUpdateResponse(@JsonProperty("Warnings") List<String> warnings) {
}
