package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * One row of {@code GET /containers/json} (what {@code ps} shows). Created is a Unix time in seconds;
 * Names carry docker's historic leading "/"; State is "created", "running", "paused", "restarting",
 * "exited", "removing" or "dead"; Status is the human text ("Up 5 seconds").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerSummary(
        @JsonProperty("Id") String id,
        @JsonProperty("Names") List<String> names,
        @JsonProperty("Image") String image,
        @JsonProperty("ImageID") String imageId,
        @JsonProperty("Command") String command,
        @JsonProperty("Created") Long created,
        @JsonProperty("Ports") List<Port> ports,
        @JsonProperty("SizeRw") Long sizeRw,
        @JsonProperty("SizeRootFs") Long sizeRootFs,
        @JsonProperty("Labels") Map<String, String> labels,
        @JsonProperty("State") String state,
        @JsonProperty("Status") String status,
        @JsonProperty("HostConfig") SummaryHostConfig hostConfig,
        @JsonProperty("NetworkSettings") SummaryNetworkSettings networkSettings,
        @JsonProperty("Mounts") List<MountPoint> mounts) {

    /** A container port and, when published, the host address and port it is reachable on. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Port(@JsonProperty("IP") String ip,
                       @JsonProperty("PrivatePort") Integer privatePort,
                       @JsonProperty("PublicPort") Integer publicPort,
                       @JsonProperty("Type") String type) {
    }

    /** The reduced HostConfig a list row carries. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SummaryHostConfig(@JsonProperty("NetworkMode") String networkMode,
                                    @JsonProperty("Annotations") Map<String, String> annotations) {
    }

    /** The networks of a list row, by network name. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SummaryNetworkSettings(@JsonProperty("Networks") Map<String, EndpointSettings> networks) {
    }
}
