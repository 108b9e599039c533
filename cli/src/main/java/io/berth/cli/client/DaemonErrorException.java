package io.berth.cli.client;

/** The daemon answered with an error status; the message is the daemon's own, as docker shows it. */
public final class DaemonErrorException extends RuntimeException {
    private final int status;

    public DaemonErrorException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public boolean isNotFound() {
        return status == 404;
    }
}
