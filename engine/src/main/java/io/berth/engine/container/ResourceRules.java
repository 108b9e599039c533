package io.berth.engine.container;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.LinuxResources;

import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Dockerd's rules for a container's resource limits: what it refuses (with its messages), what it
 * fills in (MemorySwap twice Memory when unset) or clamps (CpuShares), and how the result maps onto
 * an OCI {@code linux.resources}.
 */
public final class ResourceRules {
    /** dockerd's floor for memory limits and reservations. */
    public static final long MINIMUM_MEMORY = 6 * 1024 * 1024;
    private static final long MIN_SHARES = 2, MAX_SHARES = 262144;
    private static final long NANOS_PER_CPU = 1_000_000_000L;
    /** The CFS period --cpus uses, in microseconds. */
    static final long DEFAULT_CFS_PERIOD = 100_000;

    private final int cpuCount;
    private final TreeSet<Integer> onlineCpus;
    private final String onlineCpuText;

    /** @param onlineCpuText the host's online CPU list as in /sys/devices/system/cpu/online, e.g. "0-1" */
    public ResourceRules(String onlineCpuText) {
        this.onlineCpuText = onlineCpuText.strip();
        this.onlineCpus = parseCpuList(this.onlineCpuText)
                .orElseThrow(() -> new IllegalStateException("unreadable online CPU list: " + onlineCpuText));
        this.cpuCount = onlineCpus.size();
    }

    /** The limits of a new container, checked and completed; throws with dockerd's message on bad input. */
    public Resources forCreate(Resources r) {
        check(r);
        Long swap = r.memorySwap();
        if (Resources.set(r.memory()) && !Resources.set(swap)) swap = r.memory() * 2;
        return withSwapAndShares(r, swap);
    }

    /** The limits after {@code docker update}, checked against what the container already has. */
    public Resources forUpdate(Resources current, Resources update) {
        check(update);
        if (Resources.set(update.memory()) && !Resources.set(update.memorySwap())
                && Resources.set(current.memorySwap()) && current.memorySwap() > 0
                && update.memory() > current.memorySwap()) {
            throw new InvalidArgumentException("Memory limit should be smaller than already set memoryswap limit, "
                    + "update the memoryswap at the same time");
        }
        Resources merged = current.updatedWith(update);
        check(merged);
        return withSwapAndShares(merged, merged.memorySwap());
    }

    private static Resources withSwapAndShares(Resources r, Long swap) {
        Long shares = r.cpuShares();
        if (Resources.set(shares)) shares = Math.clamp(shares, MIN_SHARES, MAX_SHARES);
        return new Resources(r.memory(), swap, r.memoryReservation(), r.nanoCpus(), shares, r.cpuQuota(), r.cpuPeriod(),
                r.cpusetCpus(), r.cpusetMems(), r.pidsLimit(), r.blkioWeight(), r.oomKillDisable());
    }

    private void check(Resources r) {
        long memory = value(r.memory()), swap = value(r.memorySwap()), reservation = value(r.memoryReservation());
        if (memory < 0) throw new InvalidArgumentException("invalid memory limit: Memory can not be negative");
        if (memory > 0 && memory < MINIMUM_MEMORY) throw new InvalidArgumentException("Minimum memory limit allowed is 6MB");
        if (swap > 0 && memory == 0) {
            throw new InvalidArgumentException("You should always set the Memory limit when using Memoryswap limit, see usage");
        }
        if (swap > 0 && swap < memory) {
            throw new InvalidArgumentException("Minimum memoryswap limit should be larger than memory limit, see usage");
        }
        if (swap < -1) throw new InvalidArgumentException("invalid memory swap limit: MemorySwap can not be less than -1");
        if (reservation < 0) throw new InvalidArgumentException("invalid memory reservation: MemoryReservation can not be negative");
        if (reservation > 0 && reservation < MINIMUM_MEMORY) {
            throw new InvalidArgumentException("Minimum memory reservation allowed is 6MB");
        }
        if (memory > 0 && reservation > 0 && memory < reservation) {
            throw new InvalidArgumentException("Minimum memory limit can not be less than memory reservation limit, see usage");
        }
        long nanoCpus = value(r.nanoCpus());
        if (nanoCpus != 0 && value(r.cpuPeriod()) != 0) {
            throw new InvalidArgumentException("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        }
        if (nanoCpus != 0 && value(r.cpuQuota()) != 0) {
            throw new InvalidArgumentException("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
        }
        if (nanoCpus < 0 || nanoCpus > cpuCount * NANOS_PER_CPU) {
            throw new InvalidArgumentException("Range of CPUs is from 0.01 to " + cpuCount + ".00, as there are only "
                    + cpuCount + " CPUs available");
        }
        long period = value(r.cpuPeriod()), quota = value(r.cpuQuota());
        if (period != 0 && (period < 1000 || period > 1_000_000)) {
            throw new InvalidArgumentException("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        }
        if (quota > 0 && quota < 1000) throw new InvalidArgumentException("CPU cfs quota can not be less than 1ms (i.e. 1000)");
        if (value(r.cpuShares()) < 0) throw new InvalidArgumentException("invalid CPU shares: CpuShares can not be negative");
        checkCpuset(r.cpusetCpus());
        if (r.cpusetMems() != null && !r.cpusetMems().isEmpty() && parseCpuList(r.cpusetMems()).isEmpty()) {
            throw new InvalidArgumentException("Invalid value " + r.cpusetMems() + " for cpuset mems");
        }
        Integer weight = r.blkioWeight();
        if (weight != null && weight != 0 && (weight < 10 || weight > 1000)) {
            throw new InvalidArgumentException("Range of blkio weight is from 10 to 1000");
        }
    }

    private void checkCpuset(String cpus) {
        if (cpus == null || cpus.isEmpty()) return;
        TreeSet<Integer> requested = parseCpuList(cpus)
                .orElseThrow(() -> new InvalidArgumentException("Invalid value " + cpus + " for cpuset cpus"));
        if (!onlineCpus.containsAll(requested)) {
            throw new InvalidArgumentException("Requested CPUs are not available - requested " + cpus
                    + ", available: " + onlineCpuText);
        }
    }

    /** "0-2,4" as a set; empty when malformed. */
    static Optional<TreeSet<Integer>> parseCpuList(String list) {
        TreeSet<Integer> cpus = new TreeSet<>();
        for (String part : list.strip().split(",")) {
            if (!part.matches("\\d{1,4}(-\\d{1,4})?")) return Optional.empty();
            String[] bounds = part.split("-");
            int from = Integer.parseInt(bounds[0]), to = Integer.parseInt(bounds[bounds.length - 1]);
            if (to < from) return Optional.empty();
            for (int cpu = from; cpu <= to; cpu++) cpus.add(cpu);
        }
        return Optional.of(cpus);
    }

    /** The OCI form: swap is the memory+swap total as in the spec; --cpus becomes a quota over a 100 ms period. */
    public static LinuxResources toLinux(Resources r, List<LinuxResources.DeviceRule> deviceRules) {
        LinuxResources.Memory memory = null;
        if (Resources.set(r.memory()) || Resources.set(r.memoryReservation()) || Resources.set(r.memorySwap())
                || Boolean.TRUE.equals(r.oomKillDisable())) {
            memory = new LinuxResources.Memory(positive(r.memory()), positive(r.memoryReservation()),
                    Resources.set(r.memorySwap()) ? r.memorySwap() : null, null, null, null,
                    Boolean.TRUE.equals(r.oomKillDisable()) ? Boolean.TRUE : null, null, null);
        }
        Long quota = positive(r.cpuQuota()), period = positive(r.cpuPeriod());
        if (Resources.set(r.nanoCpus())) {
            period = DEFAULT_CFS_PERIOD;
            quota = r.nanoCpus() * DEFAULT_CFS_PERIOD / NANOS_PER_CPU;
        }
        LinuxResources.Cpu cpu = null;
        if (Resources.set(r.cpuShares()) || quota != null || period != null || nonEmpty(r.cpusetCpus()) || nonEmpty(r.cpusetMems())) {
            cpu = new LinuxResources.Cpu(positive(r.cpuShares()), quota, null, period, null, null,
                    nonEmpty(r.cpusetCpus()) ? r.cpusetCpus() : null, nonEmpty(r.cpusetMems()) ? r.cpusetMems() : null, null);
        }
        // a negative limit is docker's "unlimited", which the runtime writes as "max" (so update can lift a limit)
        LinuxResources.Pids pids = Resources.set(r.pidsLimit()) ? new LinuxResources.Pids(r.pidsLimit()) : null;
        LinuxResources.BlockIO blockIO = r.blkioWeight() == null || r.blkioWeight() == 0 ? null
                : new LinuxResources.BlockIO(r.blkioWeight(), null, null, null, null, null, null);
        return new LinuxResources(deviceRules, memory, cpu, pids, blockIO, null, null, null);
    }

    private static long value(Long v) {
        return v == null ? 0 : v;
    }

    private static Long positive(Long v) {
        return v != null && v > 0 ? v : null;
    }

    private static boolean nonEmpty(String s) {
        return s != null && !s.isEmpty();
    }
}
