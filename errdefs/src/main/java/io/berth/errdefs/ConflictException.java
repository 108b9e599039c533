package io.berth.errdefs;

/** The request failed because the request clashes with current state (name in use, container running, image in use). Maps to HTTP 409. */
public class ConflictException extends BerthException {
    public ConflictException(String message) { super(message); }

    public ConflictException(String message, Throwable cause) { super(message, cause); }

    @Override
    public int httpStatus() { return 409; }
}
