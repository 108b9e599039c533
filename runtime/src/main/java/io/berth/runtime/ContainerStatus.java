package io.berth.runtime;

/** A container's place in the OCI lifecycle: set up and waiting for start, running, or exited. */
public enum ContainerStatus {
    CREATED, RUNNING, STOPPED;

    /** The lowercase name the OCI state document uses. */
    public String ociName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
