package io.berth.cli.terminal;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The local terminal switched to raw mode for an interactive session, so that every key press
 * (ctrl-c included) goes to the container's terminal instead of being edited or acted on here.
 * The saved settings come back exactly once: on {@link #restore()}, and from a shutdown hook if the
 * JVM is ended first (SIGTERM, SIGHUP, System.exit), so a shell is never left raw.
 */
public final class RawMode implements AutoCloseable {
    private final int fd;
    private final byte[] saved;
    private final AtomicBoolean restored = new AtomicBoolean();
    private final Thread shutdownHook;

    private RawMode(int fd, byte[] saved) {
        this.fd = fd;
        this.saved = saved;
        this.shutdownHook = new Thread(this::putBack, "berth-terminal-restore");
    }

    /** Saves the settings of the terminal on fd, then makes it raw. */
    public static RawMode enter(int fd) throws IOException {
        RawMode mode = new RawMode(fd, TerminalControl.attributes(fd));
        Runtime.getRuntime().addShutdownHook(mode.shutdownHook);
        try {
            TerminalControl.setAttributes(fd, TerminalControl.rawAttributes(mode.saved));
        } catch (IOException | RuntimeException e) {
            mode.restore();
            throw e;
        }
        return mode;
    }

    /** Puts the saved settings back; later calls do nothing. */
    public void restore() {
        putBack();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to; it finds the settings already restored.
        }
    }

    private void putBack() {
        if (restored.compareAndSet(false, true)) {
            try {
                TerminalControl.setAttributes(fd, saved);
            } catch (IOException gone) {
                // The terminal is gone (hung up): there is nothing left to restore.
            }
        }
    }

    public boolean isRestored() {
        return restored.get();
    }

    @Override
    public void close() {
        restore();
    }
}
