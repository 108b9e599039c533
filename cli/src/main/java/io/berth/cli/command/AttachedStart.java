package io.berth.cli.command;

import io.berth.api.model.WaitResponse;
import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.EngineClient;
import io.berth.cli.client.HttpTransport;
import io.berth.cli.terminal.LocalTerminal;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Docker's attached start, shared by `run` and `start -a`: attach (hijack), register the wait,
 * start, follow the window size, relay the streams until EOF, then exit with the container's
 * status - or 126/127/125 when it could not be started, or 0 when the user detached.
 */
final class AttachedStart {
    private static final int COMMAND_NOT_EXECUTABLE = 126;
    private static final int COMMAND_NOT_FOUND = 127;

    /**
     * What to attach: with a tty the stream is raw, else multiplexed. A null waitCondition means
     * the container's exit is not waited for (docker's `run -a stdin`, which attaches no output).
     */
    record Options(boolean tty, boolean stdin, boolean stdout, boolean stderr, boolean proxySignals,
                   String detachKeys, String waitCondition) {
    }

    private final EngineClient client;
    private final LocalTerminal terminal;
    private final PrintStream out;
    private final PrintStream err;

    AttachedStart(EngineClient client, LocalTerminal terminal, PrintStream out, PrintStream err) {
        this.client = client;
        this.terminal = terminal;
        this.out = out;
        this.err = err;
    }

    /** Runs the sequence for a container path ("/containers/ID") and returns the exit status to use. */
    int run(String container, Options options) throws IOException {
        ApiResponse attached = client.open(ApiRequest.postUpgrade(EngineClient.query(container + "/attach",
                EngineClient.parameters("stream", 1, "stdin", flag(options.stdin()), "stdout", flag(options.stdout()),
                        "stderr", flag(options.stderr()), "detachKeys", options.detachKeys()))));
        // Registered before start, so that even an instant exit is seen; "removed" also waits for --rm. The
        // daemon answers the head once the wait is registered: only then may the container start.
        ApiResponse exit = options.waitCondition() == null ? null
                : HttpTransport.await(client.openAsync(ApiRequest.post(EngineClient.query(container + "/wait",
                        EngineClient.parameters("condition", options.waitCondition())))));
        Integer failure = start(container);
        if (failure != null) {
            attached.close();
            if (exit != null) exit.close();
            return failure;
        }
        if (options.proxySignals() && !options.tty()) {
            SignalForwarding.forward(client, container);
        }
        if (options.tty() && terminal.stdoutIsTerminal()) {
            new TtySizeSync(client, terminal, err).follow(container + "/resize");
        }
        HijackedSession.Outcome outcome = new HijackedSession(terminal, out, err)
                .relay(attached, options.tty(), options.stdin(), options.stdout() || options.stderr(), options.detachKeys());
        if (outcome == HijackedSession.Outcome.DETACHED || exit == null) {
            if (exit != null) exit.close();
            return 0;
        }
        try (ApiResponse waited = exit) {
            WaitResponse result = client.mapper().readValue(waited.readAllBytes(), WaitResponse.class);
            if (result.error() != null && result.error().message() != null && !result.error().message().isEmpty()) {
                err.println("berth: " + result.error().message());
                return BerthCommand.ENGINE_FAILURE;
            }
            return (int) result.statusCode();
        }
    }

    private static Integer flag(boolean set) {
        return set ? 1 : null;
    }

    /** Starts the container; returns null, or on failure prints docker's message and returns 126, 127 or 125. */
    Integer start(String container) throws IOException {
        try {
            client.call(ApiRequest.post(container + "/start"));
            return null;
        } catch (DaemonErrorException e) {
            err.println("berth: Error response from daemon: " + e.getMessage());
            return startFailureStatus(e.getMessage());
        }
    }

    static int startFailureStatus(String message) {
        String text = message.toLowerCase(Locale.ROOT);
        if (text.contains("executable file not found") || text.contains("no such file or directory")) {
            return COMMAND_NOT_FOUND;
        }
        if (text.contains("permission denied") || text.contains("is a directory")) {
            return COMMAND_NOT_EXECUTABLE;
        }
        return BerthCommand.ENGINE_FAILURE;
    }
}
