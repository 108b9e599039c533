package io.berth.runtime;

import java.time.Instant;

/**
 * How a container ended: its exit code (128 + signal when a signal killed it, as docker reports), when, and
 * whether the kernel's OOM killer fired in its cgroup while it ran (docker's State.OOMKilled).
 */
public record ExitStatus(int exitCode, Instant finishedAt, boolean oomKilled) {}
