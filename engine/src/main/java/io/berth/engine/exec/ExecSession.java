package io.berth.engine.exec;

import io.berth.errdefs.ConflictException;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One exec instance, kept in the daemon's memory as dockerd does: created, then running once, then
 * exited with a code. {@link #exit()} completes with the exit code.
 */
public final class ExecSession {
    public enum Phase { CREATED, RUNNING, EXITED }

    private final String id;
    private final String containerId;
    private final ExecRequest request;
    private final Instant created = Instant.now();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private Phase phase = Phase.CREATED;
    private boolean starting;
    private int pid;
    private Integer exitCode;
    private Instant exitedAt;

    public ExecSession(String id, String containerId, ExecRequest request) {
        this.id = id;
        this.containerId = containerId;
        this.request = request;
    }

    public String id() { return id; }

    public String containerId() { return containerId; }

    public ExecRequest request() { return request; }

    public Instant created() { return created; }

    public CompletableFuture<Integer> exit() { return exit; }

    public synchronized Phase phase() { return phase; }

    public synchronized int pid() { return pid; }

    /** Null until it has exited. */
    public synchronized Integer exitCode() { return exitCode; }

    /** Claims the one start an exec gets; docker's wording when it was started before. */
    public synchronized void claimStart() {
        if (phase == Phase.RUNNING) throw new ConflictException("Error: Exec command " + id + " is already running");
        if (phase == Phase.EXITED || starting) throw new ConflictException("Error: Exec command " + id + " has already run");
        starting = true;
    }

    public synchronized void running(int pid) {
        this.pid = pid;
        this.phase = Phase.RUNNING;
    }

    /** When it exited; null while it has not. */
    public synchronized Instant exitedAt() { return exitedAt; }

    public void exited(int code) {
        synchronized (this) {
            phase = Phase.EXITED;
            exitCode = code;
            exitedAt = Instant.now();
        }
        exit.complete(code);
    }
}
