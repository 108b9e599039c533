package io.berth.cli.command;

import picocli.CommandLine.Option;

import java.util.Map;

/** The cgroup limit flags `run`, `create` and `update` share, as HostConfig (or UpdateConfig) fields. */
final class ResourceFlags {
    @Option(names = {"-m", "--memory"}, description = "Memory limit")
    String memory;
    @Option(names = "--memory-swap", description = "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    String memorySwap;
    @Option(names = "--memory-reservation", description = "Memory soft limit")
    String memoryReservation;
    @Option(names = "--cpus", description = "Number of CPUs")
    String cpus;
    @Option(names = {"-c", "--cpu-shares"}, description = "CPU shares (relative weight)")
    Long cpuShares;
    @Option(names = "--cpu-quota", description = "Limit CPU CFS (Completely Fair Scheduler) quota")
    Long cpuQuota;
    @Option(names = "--cpu-period", description = "Limit CPU CFS (Completely Fair Scheduler) period")
    Long cpuPeriod;
    @Option(names = "--cpuset-cpus", description = "CPUs in which to allow execution (0-3, 0,1)")
    String cpusetCpus;
    @Option(names = "--cpuset-mems", description = "MEMs in which to allow execution (0-3, 0,1)")
    String cpusetMems;
    @Option(names = "--pids-limit", description = "Tune container pids limit (set -1 for unlimited)")
    Long pidsLimit;
    @Option(names = "--blkio-weight", description = "Block IO (relative weight), between 10 and 1000, or 0 to disable")
    Integer blkioWeight;

    /** Adds the flags that were given; sizes parsed as docker does ("-1" swap means unlimited). */
    void addTo(Map<String, Object> hostConfig) {
        put(hostConfig, "Memory", memory == null ? null : ContainerFlags.memoryBytes(memory));
        put(hostConfig, "MemorySwap", memorySwap == null ? null
                : memorySwap.strip().equals("-1") ? -1L : ContainerFlags.memoryBytes(memorySwap));
        put(hostConfig, "MemoryReservation", memoryReservation == null ? null : ContainerFlags.memoryBytes(memoryReservation));
        put(hostConfig, "NanoCpus", cpus == null ? null : ContainerFlags.nanoCpus(cpus));
        put(hostConfig, "CpuShares", cpuShares);
        put(hostConfig, "CpuQuota", cpuQuota);
        put(hostConfig, "CpuPeriod", cpuPeriod);
        put(hostConfig, "CpusetCpus", cpusetCpus);
        put(hostConfig, "CpusetMems", cpusetMems);
        put(hostConfig, "PidsLimit", pidsLimit);
        put(hostConfig, "BlkioWeight", blkioWeight);
    }

    private static void put(Map<String, Object> target, String key, Object value) {
        if (value != null) target.put(key, value);
    }
}
