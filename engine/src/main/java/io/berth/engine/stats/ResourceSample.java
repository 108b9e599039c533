package io.berth.engine.stats;

import io.berth.runtime.cgroup.CgroupStats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One reading of a container's cgroup beside the host's total CPU time at that moment, which is
 * what docker stats needs to turn CPU time into a percentage.
 *
 * @param systemCpuNanos the host's CPU time over all CPUs since boot (the "cpu" line of /proc/stat)
 */
public record ResourceSample(CgroupStats cgroup, long systemCpuNanos, int onlineCpus) {
    /** /proc/stat counts in USER_HZ ticks, which Linux fixes at 100 per second for user space. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    public static long hostCpuNanos() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            String[] fields = lines.getFirst().trim().split("\\s+");
            long ticks = 0;
            // user nice system idle iowait irq softirq steal: guest time is already inside user
            for (int i = 1; i < Math.min(fields.length, 9); i++) ticks += Long.parseLong(fields[i]);
            return ticks * NANOS_PER_TICK;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/stat", e);
        }
    }
}
