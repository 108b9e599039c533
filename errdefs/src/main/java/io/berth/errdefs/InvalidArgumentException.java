package io.berth.errdefs;

/** The request failed because the caller's input is wrong; the message names the field or flag. Maps to HTTP 400. */
public class InvalidArgumentException extends BerthException {
    public InvalidArgumentException(String message) { super(message); }

    public InvalidArgumentException(String message, Throwable cause) { super(message, cause); }

    @Override
    public int httpStatus() { return 400; }
}
