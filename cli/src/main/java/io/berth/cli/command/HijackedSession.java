package io.berth.cli.command;

import io.berth.cli.client.ApiResponse;
import io.berth.cli.terminal.DetachKeyFilter;
import io.berth.cli.terminal.DetachKeys;
import io.berth.cli.terminal.LocalTerminal;
import io.berth.cli.terminal.RawMode;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Relays one hijacked attach or exec connection, as docker's CLI does: the container's output to
 * stdout/stderr (raw with a tty, demultiplexed without) and, when stdin is attached, the local
 * input to the container, half-closing the connection at EOF so the container sees its stdin end.
 * With a tty and a terminal on stdin, the terminal is raw for the session and the detach keys are
 * watched for; typing them ends the session without ending the container.
 */
final class HijackedSession {
    /** How the session ended. */
    enum Outcome { ENDED, DETACHED }

    private final LocalTerminal terminal;
    private final PrintStream out;
    private final PrintStream err;

    HijackedSession(LocalTerminal terminal, PrintStream out, PrintStream err) {
        this.terminal = terminal;
        this.out = out;
        this.err = err;
    }

    /** Relays until the output ends or the user detaches; the connection is closed either way. */
    Outcome relay(ApiResponse connection, boolean tty, boolean forwardStdin, String detachKeys) throws IOException {
        return relay(connection, tty, forwardStdin, true, detachKeys);
    }

    /**
     * As {@link #relay(ApiResponse, boolean, boolean, String)}; without output (docker's `run -a
     * stdin`) the session lasts as long as the input, and the connection's end is no error.
     */
    Outcome relay(ApiResponse connection, boolean tty, boolean forwardStdin, boolean output, String detachKeys) throws IOException {
        RawMode rawMode = forwardStdin && tty && terminal.stdinIsTerminal() ? RawMode.enter(LocalTerminal.STDIN) : null;
        AtomicBoolean detached = new AtomicBoolean();
        try (connection) {
            if (forwardStdin) {
                InputStream input = tty ? new DetachKeyFilter(terminal.stdin(), detachSequence(detachKeys)) : terminal.stdin();
                Thread pump = Thread.ofVirtual().name("berth-stdin").start(() -> pumpInput(input, connection, detached, rawMode));
                if (!output) {
                    awaitInputEnd(pump);
                    return detached.get() ? Outcome.DETACHED : Outcome.ENDED;
                }
            }
            try {
                ContainerOutput.copy(connection.body(), tty, out, tty ? out : err);
            } catch (IOException e) {
                if (!detached.get()) {
                    throw e;
                }
            }
            out.flush();
            return detached.get() ? Outcome.DETACHED : Outcome.ENDED;
        } finally {
            if (rawMode != null) {
                rawMode.restore();
            }
        }
    }

    private static void awaitInputEnd(Thread pump) throws InterruptedIOException {
        try {
            pump.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending input");
        }
    }

    private byte[] detachSequence(String keys) {
        if (keys != null && !keys.isEmpty()) {
            try {
                return DetachKeys.parse(keys);
            } catch (IllegalArgumentException e) {
                err.println("WARNING: invalid detach escape keys, using default: " + e.getMessage());
            }
        }
        return DetachKeys.parse(DetachKeys.DEFAULT);
    }

    private static void pumpInput(InputStream input, ApiResponse connection, AtomicBoolean detached, RawMode rawMode) {
        byte[] buffer = new byte[8192];
        try {
            int read;
            while ((read = input.read(buffer, 0, buffer.length)) != -1) {
                if (read > 0) {
                    connection.write(buffer, read);
                }
            }
            connection.closeWrite();
        } catch (DetachKeyFilter.DetachRequested detach) {
            detached.set(true);
            // The terminal first, so that whatever is printed next reads normally.
            if (rawMode != null) {
                rawMode.restore();
            }
            connection.close();
        } catch (IOException stopped) {
            // The container ended or the connection closed: nothing left to feed.
        }
    }
}
