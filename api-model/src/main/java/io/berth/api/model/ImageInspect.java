package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The answer to {@code GET /images/{name}/json}. Config is the image's default container
 * configuration (no HostConfig); Created is an RFC 3339 string.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ImageInspect(
        @JsonProperty("Id") String id,
        @JsonProperty("RepoTags") List<String> repoTags,
        @JsonProperty("RepoDigests") List<String> repoDigests,
        @JsonProperty("Parent") String parent,
        @JsonProperty("Comment") String comment,
        @JsonProperty("Created") String created,
        @JsonProperty("DockerVersion") String dockerVersion,
        @JsonProperty("Author") String author,
        @JsonProperty("Config") ContainerConfig config,
        @JsonProperty("Architecture") String architecture,
        @JsonProperty("Variant") String variant,
        @JsonProperty("Os") String os,
        @JsonProperty("OsVersion") String osVersion,
        @JsonProperty("Size") Long size,
        @JsonProperty("VirtualSize") Long virtualSize,
        @JsonProperty("GraphDriver") GraphDriverData graphDriver,
        @JsonProperty("RootFS") RootFS rootFs,
        @JsonProperty("Metadata") Metadata metadata) {

    /** The image's layers by diff id; Type is "layers". */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RootFS(@JsonProperty("Type") String type, @JsonProperty("Layers") List<String> layers) {
    }

    /** Local bookkeeping: when the image was last tagged (RFC 3339, omitted if never). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Metadata(@JsonProperty("LastTagTime") String lastTagTime) {
    }
}
