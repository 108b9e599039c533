package io.berth.runtime;

/**
 * Nanoseconds spent by one start in its phases: creating and limiting the cgroup, building the plan (seccomp
 * compilation included) and running the shim until the container exec'd or was created.
 */
public record LaunchTimings(long cgroupNanos, long planNanos, long shimNanos) {}
