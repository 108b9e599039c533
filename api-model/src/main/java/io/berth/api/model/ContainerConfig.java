package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * A container's configuration: the body of {@code POST /containers/create} (with HostConfig and
 * NetworkingConfig) and the {@code Config} of container and image inspect (without them).
 * Cmd and Entrypoint accept a single string as docker's StrSlice does.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerConfig(
        @JsonProperty("Hostname") String hostname,
        @JsonProperty("Domainname") String domainname,
        @JsonProperty("User") String user,
        @JsonProperty("AttachStdin") Boolean attachStdin,
        @JsonProperty("AttachStdout") Boolean attachStdout,
        @JsonProperty("AttachStderr") Boolean attachStderr,
        @JsonProperty("ExposedPorts") Map<String, Object> exposedPorts,
        @JsonProperty("Tty") Boolean tty,
        @JsonProperty("OpenStdin") Boolean openStdin,
        @JsonProperty("StdinOnce") Boolean stdinOnce,
        @JsonProperty("Env") List<String> env,
        @JsonProperty("Cmd") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> cmd,
        @JsonProperty("Healthcheck") HealthConfig healthcheck,
        @JsonProperty("ArgsEscaped") Boolean argsEscaped,
        @JsonProperty("Image") String image,
        @JsonProperty("Volumes") Map<String, Object> volumes,
        @JsonProperty("WorkingDir") String workingDir,
        @JsonProperty("Entrypoint") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> entrypoint,
        @JsonProperty("NetworkDisabled") Boolean networkDisabled,
        @JsonProperty("OnBuild") List<String> onBuild,
        @JsonProperty("Labels") Map<String, String> labels,
        @JsonProperty("StopSignal") String stopSignal,
        @JsonProperty("StopTimeout") Integer stopTimeout,
        @JsonProperty("Shell") List<String> shell,
        @JsonProperty("HostConfig") HostConfig hostConfig,
        @JsonProperty("NetworkingConfig") NetworkingConfig networkingConfig) {

    /** Docker's healthcheck settings; durations are nanoseconds. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HealthConfig(
            @JsonProperty("Test") List<String> test,
            @JsonProperty("Interval") Long interval,
            @JsonProperty("Timeout") Long timeout,
            @JsonProperty("Retries") Integer retries,
            @JsonProperty("StartPeriod") Long startPeriod,
            @JsonProperty("StartInterval") Long startInterval) {
    }
}
