package io.berth.engine.container;

import java.time.Instant;

/**
 * One container as recorded in the state database. Immutable snapshot: every change produces a new
 * record that the store persists. {@code startedAt}/{@code finishedAt} are null until they happen.
 */
public record Container(
        String id,
        String name,
        String imageId,
        String imageReference,
        ContainerSpec spec,
        HostSpec host,
        Instant created,
        ContainerState state,
        int pid,
        int exitCode,
        Instant startedAt,
        Instant finishedAt,
        String error,
        boolean oomKilled) {

    public Container {
        error = error == null ? "" : error;
    }

    /** A paused container still runs (docker reports Running and Paused both true). */
    public boolean isRunning() {
        return state == ContainerState.RUNNING || state == ContainerState.PAUSED;
    }

    public boolean isPaused() {
        return state == ContainerState.PAUSED;
    }

    public Container withHost(HostSpec newHost) {
        return new Container(id, name, imageId, imageReference, spec, newHost, created, state, pid, exitCode,
                startedAt, finishedAt, error, oomKilled);
    }

    public Container running(int newPid, Instant at) {
        return new Container(id, name, imageId, imageReference, spec, host, created, ContainerState.RUNNING, newPid, 0,
                at, null, "", false);
    }

    public Container exited(int code, Instant at, String why, boolean killedByOom) {
        return new Container(id, name, imageId, imageReference, spec, host, created, ContainerState.EXITED, 0, code,
                startedAt, at, why, killedByOom);
    }

    /** A start that failed before the process ran: docker keeps the container "created" with the error and code. */
    public Container failedToStart(int code, String why) {
        return new Container(id, name, imageId, imageReference, spec, host, created, ContainerState.CREATED, 0, code,
                startedAt, finishedAt, why, false);
    }

    public Container inState(ContainerState newState) {
        return new Container(id, name, imageId, imageReference, spec, host, created, newState, pid, exitCode,
                startedAt, finishedAt, error, oomKilled);
    }
}
