package io.berth.errdefs;

/**
 * Base of the few error kinds every layer uses, so that the API server maps them to HTTP status
 * codes (and the CLI to exit codes) once, without matching message text. Messages name the object
 * and the operation ("no such image: busybox:latest"). Anything that is not a BerthException is an
 * internal error (500).
 */
public abstract class BerthException extends RuntimeException {
    protected BerthException(String message) { super(message); }

    protected BerthException(String message, Throwable cause) { super(message, cause); }

    /** The HTTP status the Engine API answers with for this kind of failure. */
    public abstract int httpStatus();
}
