package io.berth.errdefs;

/** The request failed because the named object (container, image, layer, tag) does not exist. Maps to HTTP 404. */
public class NotFoundException extends BerthException {
    public NotFoundException(String message) { super(message); }

    public NotFoundException(String message, Throwable cause) { super(message, cause); }

    @Override
    public int httpStatus() { return 404; }
}
