package io.berth.image.store;

/** The image store's own files or database failed (disk full, corruption): an internal error. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message + ": " + cause.getMessage(), cause);
    }
}
