package io.berth.runtime.cgroup;

import java.nio.file.Path;

/**
 * One cgroup hierarchy as a container sees it under /sys/fs/cgroup: {@code name} is the subdirectory
 * ("memory"; empty for v2's single hierarchy), {@code fstype} and {@code options} mount it inside a
 * cgroup namespace, {@code hostDirectory} is the container's cgroup to bind without one.
 */
public record HierarchyMount(String name, String fstype, String options, Path hostDirectory) {}
