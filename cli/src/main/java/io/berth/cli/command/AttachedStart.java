package io.berth.cli.command;

import io.berth.api.model.WaitResponse;
import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.EngineClient;
import io.berth.cli.client.HttpTransport;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Docker's attached start, shared by `run` and `start -a`: attach (hijack), register the wait,
 * start, copy the output until EOF, then exit with the container's status - or 126/127/125 when it
 * could not be started.
 */
final class AttachedStart {
    private static final int COMMAND_NOT_EXECUTABLE = 126;
    private static final int COMMAND_NOT_FOUND = 127;

    /** How to attach: with a tty the stream is raw, else multiplexed; stdin is forwarded only when asked. */
    record Options(boolean tty, boolean stdin, boolean proxySignals, String waitCondition) {
    }

    private final EngineClient client;
    private final PrintStream out;
    private final PrintStream err;

    AttachedStart(EngineClient client, PrintStream out, PrintStream err) {
        this.client = client;
        this.out = out;
        this.err = err;
    }

    /** Runs the sequence for a container path ("/containers/ID") and returns the exit status to use. */
    int run(String container, Options options) throws IOException {
        try (ApiResponse attached = client.open(ApiRequest.postUpgrade(EngineClient.query(container + "/attach",
                EngineClient.parameters("stream", 1, "stdin", options.stdin() ? 1 : null, "stdout", 1, "stderr", 1))))) {
            // Registered before start, so that even an instant exit is seen; "removed" also waits for --rm.
            CompletableFuture<ApiResponse> exit = client.openAsync(ApiRequest.post(EngineClient.query(container + "/wait",
                    EngineClient.parameters("condition", options.waitCondition()))));
            Integer failure = start(container);
            if (failure != null) {
                return failure;
            }
            if (options.proxySignals() && !options.tty()) {
                SignalForwarding.forward(client, container);
            }
            if (options.stdin()) {
                forwardStdin(attached);
            }
            ContainerOutput.copy(attached.body(), options.tty(), out, err);
            out.flush();
            try (ApiResponse waited = HttpTransport.await(exit)) {
                WaitResponse result = client.mapper().readValue(waited.readAllBytes(), WaitResponse.class);
                if (result.error() != null && result.error().message() != null && !result.error().message().isEmpty()) {
                    err.println("berth: " + result.error().message());
                    return BerthCommand.ENGINE_FAILURE;
                }
                return (int) result.statusCode();
            }
        }
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
        if (text.contains("permission denied")) {
            return COMMAND_NOT_EXECUTABLE;
        }
        return BerthCommand.ENGINE_FAILURE;
    }

    /** Feeds the CLI's stdin to the container and half-closes at EOF so the container sees it end. */
    private static void forwardStdin(ApiResponse attached) {
        Thread.ofVirtual().start(() -> {
            InputStream stdin = System.in;
            byte[] buffer = new byte[8192];
            try {
                int read;
                while ((read = stdin.read(buffer)) != -1) {
                    attached.write(buffer, read);
                }
            } catch (IOException stopped) {
                // The container ended or the connection closed; nothing left to feed.
            } finally {
                attached.closeWrite();
            }
        });
    }
}
