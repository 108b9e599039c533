package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** Host-side settings of a container: resources, mounts, namespaces, restart policy. Sizes in bytes, NanoCpus in 1e-9 CPUs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record HostConfig(
        @JsonProperty("Binds") List<String> binds,
        @JsonProperty("ContainerIDFile") String containerIdFile,
        @JsonProperty("LogConfig") LogConfig logConfig,
        @JsonProperty("NetworkMode") String networkMode,
        @JsonProperty("PortBindings") Map<String, List<PortBinding>> portBindings,
        @JsonProperty("RestartPolicy") RestartPolicy restartPolicy,
        @JsonProperty("AutoRemove") Boolean autoRemove,
        @JsonProperty("VolumeDriver") String volumeDriver,
        @JsonProperty("VolumesFrom") List<String> volumesFrom,
        @JsonProperty("Mounts") List<Mount> mounts,
        @JsonProperty("ConsoleSize") List<Integer> consoleSize,
        @JsonProperty("CapAdd") List<String> capAdd,
        @JsonProperty("CapDrop") List<String> capDrop,
        @JsonProperty("CgroupnsMode") String cgroupnsMode,
        @JsonProperty("Dns") List<String> dns,
        @JsonProperty("DnsOptions") List<String> dnsOptions,
        @JsonProperty("DnsSearch") List<String> dnsSearch,
        @JsonProperty("ExtraHosts") List<String> extraHosts,
        @JsonProperty("GroupAdd") List<String> groupAdd,
        @JsonProperty("IpcMode") String ipcMode,
        @JsonProperty("Cgroup") String cgroup,
        @JsonProperty("Links") List<String> links,
        @JsonProperty("OomScoreAdj") Integer oomScoreAdj,
        @JsonProperty("PidMode") String pidMode,
        @JsonProperty("Privileged") Boolean privileged,
        @JsonProperty("PublishAllPorts") Boolean publishAllPorts,
        @JsonProperty("ReadonlyRootfs") Boolean readonlyRootfs,
        @JsonProperty("SecurityOpt") List<String> securityOpt,
        @JsonProperty("StorageOpt") Map<String, String> storageOpt,
        @JsonProperty("Tmpfs") Map<String, String> tmpfs,
        @JsonProperty("UTSMode") String utsMode,
        @JsonProperty("UsernsMode") String usernsMode,
        @JsonProperty("ShmSize") Long shmSize,
        @JsonProperty("Sysctls") Map<String, String> sysctls,
        @JsonProperty("Runtime") String runtime,
        @JsonProperty("Isolation") String isolation,
        @JsonProperty("CpuShares") Long cpuShares,
        @JsonProperty("Memory") Long memory,
        @JsonProperty("NanoCpus") Long nanoCpus,
        @JsonProperty("CgroupParent") String cgroupParent,
        @JsonProperty("BlkioWeight") Integer blkioWeight,
        @JsonProperty("CpuPeriod") Long cpuPeriod,
        @JsonProperty("CpuQuota") Long cpuQuota,
        @JsonProperty("CpuRealtimePeriod") Long cpuRealtimePeriod,
        @JsonProperty("CpuRealtimeRuntime") Long cpuRealtimeRuntime,
        @JsonProperty("CpusetCpus") String cpusetCpus,
        @JsonProperty("CpusetMems") String cpusetMems,
        @JsonProperty("Devices") List<DeviceMapping> devices,
        @JsonProperty("DeviceCgroupRules") List<String> deviceCgroupRules,
        @JsonProperty("MemoryReservation") Long memoryReservation,
        @JsonProperty("MemorySwap") Long memorySwap,
        @JsonProperty("MemorySwappiness") Long memorySwappiness,
        @JsonProperty("OomKillDisable") Boolean oomKillDisable,
        @JsonProperty("PidsLimit") Long pidsLimit,
        @JsonProperty("Ulimits") List<Ulimit> ulimits,
        @JsonProperty("Init") Boolean init,
        @JsonProperty("MaskedPaths") List<String> maskedPaths,
        @JsonProperty("ReadonlyPaths") List<String> readonlyPaths) {

    /** Where and how container output is logged ("json-file", "none", ...). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record LogConfig(@JsonProperty("Type") String type, @JsonProperty("Config") Map<String, String> config) {
    }

    /** Name is "", "no", "always", "unless-stopped" or "on-failure". */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RestartPolicy(@JsonProperty("Name") String name,
                                @JsonProperty("MaximumRetryCount") Integer maximumRetryCount) {
    }

    /** A resource limit (RLIMIT_*) by its short name, e.g. "nofile". */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Ulimit(@JsonProperty("Name") String name, @JsonProperty("Soft") Long soft,
                         @JsonProperty("Hard") Long hard) {
    }

    /** A host device made available in the container. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DeviceMapping(@JsonProperty("PathOnHost") String pathOnHost,
                                @JsonProperty("PathInContainer") String pathInContainer,
                                @JsonProperty("CgroupPermissions") String cgroupPermissions) {
    }

    /** A mount requested with --mount; Type is "bind", "volume", "tmpfs". Options are passed through as given. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Mount(@JsonProperty("Target") String target,
                        @JsonProperty("Source") String source,
                        @JsonProperty("Type") String type,
                        @JsonProperty("ReadOnly") Boolean readOnly,
                        @JsonProperty("Consistency") String consistency,
                        @JsonProperty("BindOptions") Map<String, Object> bindOptions,
                        @JsonProperty("VolumeOptions") Map<String, Object> volumeOptions,
                        @JsonProperty("TmpfsOptions") Map<String, Object> tmpfsOptions) {
    }
}
