package io.berth.engine.container;

import java.util.concurrent.CompletableFuture;

/**
 * The in-memory notifications of one container: its next exit and its removal. Waiters and attach
 * streams hold these futures, so nothing polls. Guarded by the object's own monitor, which the
 * engine also uses as the per-container lock.
 */
public final class ContainerEvents {
    private CompletableFuture<ExitResult> nextExit = new CompletableFuture<>();
    private final CompletableFuture<ExitResult> removed = new CompletableFuture<>();
    private ExitResult lastExit;

    public synchronized CompletableFuture<ExitResult> nextExit() {
        return nextExit;
    }

    public CompletableFuture<ExitResult> removed() {
        return removed;
    }

    /** Wakes everyone waiting for this exit and arms the future for the following run. */
    public synchronized void exited(ExitResult result) {
        lastExit = result;
        CompletableFuture<ExitResult> done = nextExit;
        nextExit = new CompletableFuture<>();
        done.complete(result);
    }

    /** Wakes waiters of the removal with the last exit of this daemon's watch, or {@code recorded} when none. */
    public synchronized void removed(ExitResult recorded) {
        ExitResult last = lastExit != null ? lastExit : recorded;
        nextExit.complete(last);
        removed.complete(last);
    }
}
