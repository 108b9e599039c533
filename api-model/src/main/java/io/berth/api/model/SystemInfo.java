package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * The answer to {@code GET /info} (what {@code docker info} prints). MemTotal is in bytes;
 * DriverStatus is a list of [key, value] pairs; SystemTime is RFC 3339.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SystemInfo(
        @JsonProperty("ID") String id,
        @JsonProperty("Containers") Integer containers,
        @JsonProperty("ContainersRunning") Integer containersRunning,
        @JsonProperty("ContainersPaused") Integer containersPaused,
        @JsonProperty("ContainersStopped") Integer containersStopped,
        @JsonProperty("Images") Integer images,
        @JsonProperty("Driver") String driver,
        @JsonProperty("DriverStatus") List<List<String>> driverStatus,
        @JsonProperty("DockerRootDir") String dockerRootDir,
        @JsonProperty("Plugins") Plugins plugins,
        @JsonProperty("MemoryLimit") Boolean memoryLimit,
        @JsonProperty("SwapLimit") Boolean swapLimit,
        @JsonProperty("KernelMemoryTCP") Boolean kernelMemoryTcp,
        @JsonProperty("CpuCfsPeriod") Boolean cpuCfsPeriod,
        @JsonProperty("CpuCfsQuota") Boolean cpuCfsQuota,
        @JsonProperty("CPUShares") Boolean cpuShares,
        @JsonProperty("CPUSet") Boolean cpuSet,
        @JsonProperty("PidsLimit") Boolean pidsLimit,
        @JsonProperty("OomKillDisable") Boolean oomKillDisable,
        @JsonProperty("IPv4Forwarding") Boolean ipv4Forwarding,
        @JsonProperty("Debug") Boolean debug,
        @JsonProperty("NFd") Integer nfd,
        @JsonProperty("NGoroutines") Integer ngoroutines,
        @JsonProperty("SystemTime") String systemTime,
        @JsonProperty("LoggingDriver") String loggingDriver,
        @JsonProperty("CgroupDriver") String cgroupDriver,
        @JsonProperty("CgroupVersion") String cgroupVersion,
        @JsonProperty("NEventsListener") Integer neventsListener,
        @JsonProperty("KernelVersion") String kernelVersion,
        @JsonProperty("OperatingSystem") String operatingSystem,
        @JsonProperty("OSVersion") String osVersion,
        @JsonProperty("OSType") String osType,
        @JsonProperty("Architecture") String architecture,
        @JsonProperty("NCPU") Integer ncpu,
        @JsonProperty("MemTotal") Long memTotal,
        @JsonProperty("IndexServerAddress") String indexServerAddress,
        @JsonProperty("RegistryConfig") RegistryConfig registryConfig,
        @JsonProperty("HttpProxy") String httpProxy,
        @JsonProperty("HttpsProxy") String httpsProxy,
        @JsonProperty("NoProxy") String noProxy,
        @JsonProperty("Name") String name,
        @JsonProperty("Labels") List<String> labels,
        @JsonProperty("ExperimentalBuild") Boolean experimentalBuild,
        @JsonProperty("ServerVersion") String serverVersion,
        @JsonProperty("Runtimes") Map<String, Runtime> runtimes,
        @JsonProperty("DefaultRuntime") String defaultRuntime,
        @JsonProperty("Swarm") Swarm swarm,
        @JsonProperty("LiveRestoreEnabled") Boolean liveRestoreEnabled,
        @JsonProperty("Isolation") String isolation,
        @JsonProperty("InitBinary") String initBinary,
        @JsonProperty("ContainerdCommit") Commit containerdCommit,
        @JsonProperty("RuncCommit") Commit runcCommit,
        @JsonProperty("InitCommit") Commit initCommit,
        @JsonProperty("SecurityOptions") List<String> securityOptions,
        @JsonProperty("Warnings") List<String> warnings) {

    /** The plugin names available per kind. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Plugins(@JsonProperty("Volume") List<String> volume,
                          @JsonProperty("Network") List<String> network,
                          @JsonProperty("Authorization") List<String> authorization,
                          @JsonProperty("Log") List<String> log) {
    }

    /** An OCI runtime the daemon can use; docker spells these two keys in lower camel case. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Runtime(@JsonProperty("path") String path, @JsonProperty("runtimeArgs") List<String> runtimeArgs) {
    }

    /** Swarm membership; LocalNodeState is "inactive" when not in a swarm. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Swarm(@JsonProperty("NodeID") String nodeId,
                        @JsonProperty("NodeAddr") String nodeAddr,
                        @JsonProperty("LocalNodeState") String localNodeState,
                        @JsonProperty("ControlAvailable") Boolean controlAvailable,
                        @JsonProperty("Error") String error) {
    }

    /** The commit a bundled component was built from. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Commit(@JsonProperty("ID") String id) {
    }

    /** Registry settings: insecure ranges, mirrors and per-registry index information. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RegistryConfig(@JsonProperty("InsecureRegistryCIDRs") List<String> insecureRegistryCidrs,
                                 @JsonProperty("IndexConfigs") Map<String, IndexInfo> indexConfigs,
                                 @JsonProperty("Mirrors") List<String> mirrors) {
    }

    /** One registry: whether it is reached over TLS and whether it is the official index. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record IndexInfo(@JsonProperty("Name") String name,
                            @JsonProperty("Mirrors") List<String> mirrors,
                            @JsonProperty("Secure") Boolean secure,
                            @JsonProperty("Official") Boolean official) {
    }
}
