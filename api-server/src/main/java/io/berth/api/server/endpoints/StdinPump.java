package io.berth.api.server.endpoints;

import io.berth.api.server.http.Exchange;
import io.berth.engine.exec.DetachKeys;
import io.berth.errdefs.ConflictException;
import io.berth.errdefs.NotFoundException;
import io.berth.runtime.stdio.ControlChannel;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Copies what a hijacked client types to a container's (or an exec's) stdin, through the monitor's
 * control socket, and watches for the detach keys. Runs on a platform thread: the read is a
 * blocking recv(2), which would pin a virtual thread's carrier. The stdin is opened on the first
 * need, waiting for a container that an attach-before-start registered for, until {@code ended}.
 */
final class StdinPump {
    private static final int BUFFER = 32 * 1024;
    private static final long START_POLL_MILLIS = 5;
    private static final long CLIENT_CLOSE_PATIENCE_MILLIS = 2000;

    private final Exchange.RawStream client;
    private final Supplier<ControlChannel> opener;
    private final DetachKeys keys;
    private final boolean closeStdinAtEnd;
    private final BooleanSupplier ended;
    private final Runnable onDetach;
    private volatile boolean stopped;

    /**
     * @param keys the detach keys, or null: like dockerd, only an attach with a terminal watches for them (binary
     *             input to a pipe may contain any byte sequence)
     * @param closeStdinAtEnd whether the client's end of input closes the process's stdin (StdinOnce without a
     *                        terminal, and every exec without one); otherwise it ends the attach
     * @param ended true once there is nothing left to write to (the process has exited)
     * @param onDetach called when the client typed the detach keys or ended an attach that keeps stdin open
     */
    /** The output side of an attach: streams until the process has ended; a detach interrupts it. */
    @FunctionalInterface
    interface Output {
        void stream() throws Exception;
    }

    /**
     * Runs {@code output} on this thread while, with a non-null {@code stdin}, a pump forwards what the client sends
     * (see the constructor for the other parameters); a detach ends the output early without an error. Closes the
     * client connection at the end either way, after the client has closed its side (or a bounded wait).
     */
    static void relay(Exchange.RawStream client, Supplier<ControlChannel> stdin, DetachKeys keys, boolean closeStdinAtEnd,
                      BooleanSupplier ended, Output output) throws Exception {
        Thread streaming = Thread.currentThread();
        AtomicBoolean detached = new AtomicBoolean();
        StdinPump pump = stdin == null ? null : new StdinPump(client, stdin, keys, closeStdinAtEnd, ended, () -> {
            detached.set(true);
            streaming.interrupt();
        });
        if (pump != null) pump.start();
        try {
            output.stream();
        } catch (InterruptedException e) {
            if (!detached.get()) throw e;
        } finally {
            if (pump != null) pump.finish();
            client.close();
            if (detached.get()) Thread.interrupted(); // the detach's interrupt is consumed here, not by the next request
        }
    }

    private StdinPump(Exchange.RawStream client, Supplier<ControlChannel> opener, DetachKeys keys, boolean closeStdinAtEnd,
              BooleanSupplier ended, Runnable onDetach) {
        this.client = client;
        this.opener = opener;
        this.keys = keys;
        this.closeStdinAtEnd = closeStdinAtEnd;
        this.ended = ended;
        this.onDetach = onDetach;
    }

    private Thread thread;

    private void start() {
        thread = Thread.ofPlatform().daemon().name("berth-stdin").start(this::run);
    }

    /**
     * The output side is done: from now on input is read and dropped until the client closes its
     * side (after it has read the end of the output), or for a bounded time.
     */
    private void finish() throws InterruptedException {
        stopped = true;
        client.finishOutput();
        thread.join(CLIENT_CLOSE_PATIENCE_MILLIS);
    }

    private void run() {
        ControlChannel stdin = null;
        DetachKeys.Matcher matcher = keys == null ? null : keys.matcher();
        byte[] buffer = new byte[BUFFER];
        try {
            while (true) {
                int n = client.read(buffer);
                if (stopped) {
                    if (n < 0) return;
                    continue;
                }
                if (n < 0) {
                    // dockerd's rule: the end of the client's input closes the process's stdin only for a
                    // StdinOnce process without a terminal; otherwise it ends the attach (the docker CLI
                    // also just disconnects after it saw the detach keys itself).
                    if (!closeStdinAtEnd) onDetach.run();
                    else if ((stdin = open(stdin)) != null) stdin.closeStdin();
                    return;
                }
                if (matcher == null) {
                    if ((stdin = open(stdin)) == null) return;
                    stdin.writeStdin(buffer, 0, n);
                    continue;
                }
                DetachKeys.Matcher.Step step = matcher.feed(buffer, n);
                if (step.forward().length > 0) {
                    if ((stdin = open(stdin)) == null) return;
                    stdin.writeStdin(step.forward(), 0, step.forward().length);
                }
                if (step.detach()) {
                    onDetach.run();
                    return;
                }
            }
        } catch (IOException e) {
            // the client or the process went away; the output side ends the exchange
        } finally {
            if (stdin != null) stdin.close();
        }
    }

    /** The stdin, opened now if need be; null when the process ended (or never ran) before it could be. */
    private ControlChannel open(ControlChannel current) {
        if (current != null) return current;
        while (!ended.getAsBoolean() && !stopped) {
            try {
                return opener.get();
            } catch (ConflictException notRunningYet) {
                try {
                    Thread.sleep(START_POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            } catch (NotFoundException gone) {
                return null;
            }
        }
        return null;
    }
}
