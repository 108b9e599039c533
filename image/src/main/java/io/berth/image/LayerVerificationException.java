package io.berth.image;

import io.berth.errdefs.UnavailableException;

/**
 * A layer or config from a registry failed digest verification or could not be unpacked; nothing
 * of it was kept. Another endpoint is not tried: the content, not the connection, is wrong.
 */
public final class LayerVerificationException extends UnavailableException {
    public LayerVerificationException(String message, Throwable cause) {
        super(message, cause);
    }
}
