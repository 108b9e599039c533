package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;

/** The storage driver of an image or container and its driver-specific data (e.g. overlay2's LowerDir/UpperDir). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record GraphDriverData(@JsonProperty("Name") String name, @JsonProperty("Data") Map<String, String> data) {
}
