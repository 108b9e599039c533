package io.berth.runtime;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** A container's pid 1 as the host sees it; {@link #exit()} completes when the monitor has recorded its exit. */
public interface ContainerProcess {
    String id();

    /** The host pid of the container's first process. */
    int pid();

    Instant startedAt();

    CompletableFuture<ExitStatus> exit();
}
