package io.berth.runtime.cgroup;

import java.time.Instant;

/**
 * A container's resource usage read from its cgroup: memory in bytes, CPU time in nanoseconds, processes.
 * A limit that is not set ("max", or v1's page-rounded LONG_MAX) reads as {@link #UNLIMITED}.
 */
public record CgroupStats(long memoryUsage, long memoryLimit, long cpuUsageNanos, long pids, long pidsLimit, Instant read) {
    public static final long UNLIMITED = Long.MAX_VALUE;
}
