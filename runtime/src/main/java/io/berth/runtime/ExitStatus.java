package io.berth.runtime;

import java.time.Instant;

/** How a container ended: its exit code (128 + signal when a signal killed it, as docker reports) and when. */
public record ExitStatus(int exitCode, Instant finishedAt) {}
