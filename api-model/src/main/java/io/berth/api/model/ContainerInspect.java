package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The answer to {@code GET /containers/{id}/json}. Times are RFC 3339 strings with nanoseconds
 * (docker reports "0001-01-01T00:00:00Z" for never); Name carries the leading "/".
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerInspect(
        @JsonProperty("Id") String id,
        @JsonProperty("Created") String created,
        @JsonProperty("Path") String path,
        @JsonProperty("Args") List<String> args,
        @JsonProperty("State") State state,
        @JsonProperty("Image") String image,
        @JsonProperty("ResolvConfPath") String resolvConfPath,
        @JsonProperty("HostnamePath") String hostnamePath,
        @JsonProperty("HostsPath") String hostsPath,
        @JsonProperty("LogPath") String logPath,
        @JsonProperty("Name") String name,
        @JsonProperty("RestartCount") Integer restartCount,
        @JsonProperty("Driver") String driver,
        @JsonProperty("Platform") String platform,
        @JsonProperty("MountLabel") String mountLabel,
        @JsonProperty("ProcessLabel") String processLabel,
        @JsonProperty("AppArmorProfile") String appArmorProfile,
        @JsonProperty("ExecIDs") List<String> execIds,
        @JsonProperty("HostConfig") HostConfig hostConfig,
        @JsonProperty("GraphDriver") GraphDriverData graphDriver,
        @JsonProperty("SizeRw") Long sizeRw,
        @JsonProperty("SizeRootFs") Long sizeRootFs,
        @JsonProperty("Mounts") List<MountPoint> mounts,
        @JsonProperty("Config") ContainerConfig config,
        @JsonProperty("NetworkSettings") NetworkSettings networkSettings) {

    /** The lifecycle state; Status is "created", "running", "paused", "restarting", "removing", "exited" or "dead". */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record State(
            @JsonProperty("Status") String status,
            @JsonProperty("Running") Boolean running,
            @JsonProperty("Paused") Boolean paused,
            @JsonProperty("Restarting") Boolean restarting,
            @JsonProperty("OOMKilled") Boolean oomKilled,
            @JsonProperty("Dead") Boolean dead,
            @JsonProperty("Pid") Integer pid,
            @JsonProperty("ExitCode") Integer exitCode,
            @JsonProperty("Error") String error,
            @JsonProperty("StartedAt") String startedAt,
            @JsonProperty("FinishedAt") String finishedAt) {
    }
}
