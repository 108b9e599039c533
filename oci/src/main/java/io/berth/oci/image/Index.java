package io.berth.oci.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An OCI image index or a Docker manifest list: one manifest per platform. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Index(
        @JsonProperty("schemaVersion") int schemaVersion,
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("manifests") List<Descriptor> manifests,
        @JsonProperty("annotations") Map<String, String> annotations) {

    /** The first manifest for this platform (variant honoured when given). */
    public Optional<Descriptor> select(Platform wanted) {
        return manifests == null ? Optional.empty() : manifests.stream()
                .filter(d -> d.platform() != null && d.platform().satisfies(wanted))
                .findFirst();
    }

    /** The first manifest built for this os/architecture. */
    public Optional<Descriptor> select(String os, String architecture) {
        return manifests == null ? Optional.empty() : manifests.stream()
                .filter(d -> d.platform() != null && d.platform().matches(os, architecture))
                .findFirst();
    }
}
