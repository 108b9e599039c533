package io.berth.cli.client;

import java.io.IOException;

/** The daemon's socket could not be connected to (not running, wrong -H, no permission). */
public final class DaemonUnreachableException extends IOException {
    public DaemonUnreachableException(DaemonAddress address, Throwable cause) {
        super("Cannot connect to the Berth daemon at " + address.display() + ". Is the berth daemon running?", cause);
    }
}
