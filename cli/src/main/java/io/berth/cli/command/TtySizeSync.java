package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import io.berth.cli.terminal.LocalTerminal;
import io.berth.cli.terminal.ResizeSignal;
import io.berth.cli.terminal.WindowSize;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;

/**
 * Keeps a container's or exec's tty the size of the local terminal, as docker does: one resize
 * call right after start (retried briefly, since the process may not have its tty yet), then one
 * at every SIGWINCH.
 */
final class TtySizeSync {
    private static final int INITIAL_ATTEMPTS = 10;

    private final EngineClient client;
    private final LocalTerminal terminal;
    private final PrintStream err;

    TtySizeSync(EngineClient client, LocalTerminal terminal, PrintStream err) {
        this.client = client;
        this.terminal = terminal;
        this.err = err;
    }

    /** Starts following the local size for a resize endpoint ("/containers/ID/resize", "/exec/ID/resize"). */
    void follow(String resizePath) {
        if (!resize(resizePath, terminal.windowSize())) {
            Thread.ofVirtual().start(() -> retryInitialResize(resizePath));
        }
        ResizeSignal.onResize(() -> resize(resizePath, terminal.windowSize()));
    }

    /**
     * Docker's trick for a re-attach: a resize to one cell more and back makes the program in the
     * container redraw (its prompt, for a shell) even though the real size did not change.
     */
    void nudgeThenFollow(String resizePath) {
        terminal.windowSize().ifPresent(size -> resize(resizePath, Optional.of(new WindowSize(size.rows() + 1, size.columns() + 1))));
        follow(resizePath);
    }

    private void retryInitialResize(String resizePath) {
        for (int attempt = 1; attempt <= INITIAL_ATTEMPTS; attempt++) {
            try {
                Thread.sleep(attempt * 10L);
            } catch (InterruptedException e) {
                return;
            }
            if (resize(resizePath, terminal.windowSize())) {
                return;
            }
        }
        err.println("failed to resize tty, using default size");
    }

    /** True when resized, or when there is no size to send. */
    private boolean resize(String resizePath, Optional<WindowSize> size) {
        if (size.isEmpty()) {
            return true;
        }
        try {
            client.call(ApiRequest.post(EngineClient.query(resizePath,
                    EngineClient.parameters("h", size.get().rows(), "w", size.get().columns()))));
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
