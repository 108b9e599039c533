package io.berth.cli.command;

import io.berth.api.model.ContainerInspect;
import io.berth.api.model.WaitResponse;
import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.EngineClient;
import io.berth.cli.client.HttpTransport;
import io.berth.cli.terminal.LocalTerminal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * `berth attach`: joins a running container's streams and exits with its status when it stops,
 * or with docker's "read escape sequence" (status 1) when the user detaches.
 */
@Command(name = "attach", description = "Attach local standard input, output, and error streams to a running container")
final class AttachCommand extends ApiCommand {
    @Option(names = "--no-stdin", description = "Do not attach STDIN")
    boolean noStdin;
    @Option(names = "--sig-proxy", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Proxy all received signals to the process (default true)")
    boolean sigProxy;
    @Option(names = "--detach-keys", description = "Override the key sequence for detaching a container")
    String detachKeys;

    @Parameters(index = "0", paramLabel = "CONTAINER", description = "The running container")
    String container;

    @Override
    public Integer call() throws IOException {
        LocalTerminal terminal = root().terminal;
        String path = "/containers/" + EngineClient.segment(container);
        // Registered first, so an exit while attaching is not missed.
        CompletableFuture<ApiResponse> exit = client().openAsync(ApiRequest.post(path + "/wait"));
        ContainerInspect inspected = runningContainer(path);
        boolean tty = Boolean.TRUE.equals(inspected.config().tty());
        ExitStatusException.requireTerminalFor(!noStdin, tty, terminal.stdinIsTerminal());
        boolean stdin = !noStdin && Boolean.TRUE.equals(inspected.config().openStdin());
        if (sigProxy && !tty) {
            SignalForwarding.forward(client(), path);
        }
        ApiResponse connection = client().open(ApiRequest.postUpgrade(EngineClient.query(path + "/attach",
                EngineClient.parameters("stream", 1, "stdin", stdin ? 1 : null, "stdout", 1, "stderr", 1,
                        "detachKeys", detachKeys))));
        // The container may have stopped between the check and the attach; the stream would then never end.
        try {
            runningContainer(path);
        } catch (RuntimeException | IOException stopped) {
            connection.close();
            throw stopped;
        }
        if (tty && terminal.stdoutIsTerminal()) {
            new TtySizeSync(client(), terminal, err()).nudgeThenFollow(path + "/resize");
        }
        HijackedSession.Outcome outcome = new HijackedSession(terminal, out(), err()).relay(connection, tty, stdin, detachKeys);
        if (outcome == HijackedSession.Outcome.DETACHED) {
            throw ExitStatusException.detached();
        }
        try (ApiResponse waited = HttpTransport.await(exit)) {
            WaitResponse result = client().mapper().readValue(waited.readAllBytes(), WaitResponse.class);
            if (result.error() != null && result.error().message() != null && !result.error().message().isEmpty()) {
                throw new ExitStatusException(result.error().message(), 1);
            }
            return (int) result.statusCode();
        }
    }

    private ContainerInspect runningContainer(String path) throws IOException {
        ContainerInspect inspected = client().getJson(path + "/json", ContainerInspect.class);
        ContainerInspect.State state = inspected.state();
        if (state == null || !Boolean.TRUE.equals(state.running())) {
            throw new IllegalArgumentException("You cannot attach to a stopped container, start it first");
        }
        if (Boolean.TRUE.equals(state.paused())) {
            throw new IllegalArgumentException("You cannot attach to a paused container, unpause it first");
        }
        if (Boolean.TRUE.equals(state.restarting())) {
            throw new IllegalArgumentException("You cannot attach to a restarting container, wait until it is running");
        }
        return inspected;
    }
}
