package io.berth.engine.container;

/**
 * The cgroup limits a container asks for, in docker's HostConfig units: bytes, CPU shares, CFS
 * microseconds, NanoCpus (1e-9 CPUs). Null means "not set"; {@link ResourceRules} validates them and
 * {@link OciSpecBuilder} turns them into {@code linux.resources}.
 */
public record Resources(
        Long memory,
        Long memorySwap,
        Long memoryReservation,
        Long nanoCpus,
        Long cpuShares,
        Long cpuQuota,
        Long cpuPeriod,
        String cpusetCpus,
        String cpusetMems,
        Long pidsLimit,
        Integer blkioWeight,
        Boolean oomKillDisable) {

    public static final Resources NONE = new Resources(null, null, null, null, null, null, null, null, null, null, null, null);

    /** These values overlaid with the ones {@code update} sets (non-null, non-zero), as docker update does. */
    public Resources updatedWith(Resources u) {
        return new Resources(pick(u.memory, memory), pick(u.memorySwap, memorySwap),
                pick(u.memoryReservation, memoryReservation), pick(u.nanoCpus, nanoCpus), pick(u.cpuShares, cpuShares),
                pick(u.cpuQuota, cpuQuota), pick(u.cpuPeriod, cpuPeriod),
                u.cpusetCpus != null && !u.cpusetCpus.isEmpty() ? u.cpusetCpus : cpusetCpus,
                u.cpusetMems != null && !u.cpusetMems.isEmpty() ? u.cpusetMems : cpusetMems,
                pick(u.pidsLimit, pidsLimit), u.blkioWeight != null && u.blkioWeight != 0 ? u.blkioWeight : blkioWeight,
                u.oomKillDisable != null ? u.oomKillDisable : oomKillDisable);
    }

    private static Long pick(Long update, Long current) {
        return update != null && update != 0 ? update : current;
    }

    static boolean set(Long value) {
        return value != null && value != 0;
    }
}
