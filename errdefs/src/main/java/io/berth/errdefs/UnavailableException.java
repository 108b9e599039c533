package io.berth.errdefs;

/** The request failed because a dependency (registry, kernel feature) cannot be reached or used now. Maps to HTTP 503. */
public class UnavailableException extends BerthException {
    public UnavailableException(String message) { super(message); }

    public UnavailableException(String message, Throwable cause) { super(message, cause); }

    @Override
    public int httpStatus() { return 503; }
}
