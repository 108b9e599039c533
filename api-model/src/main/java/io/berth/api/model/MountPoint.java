package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A mount as a running container sees it (ps and inspect "Mounts"); Type is "bind", "volume" or "tmpfs". */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record MountPoint(
        @JsonProperty("Type") String type,
        @JsonProperty("Name") String name,
        @JsonProperty("Source") String source,
        @JsonProperty("Destination") String destination,
        @JsonProperty("Driver") String driver,
        @JsonProperty("Mode") String mode,
        @JsonProperty("RW") Boolean rw,
        @JsonProperty("Propagation") String propagation) {
}
