package io.berth.cli.command;

import io.berth.api.model.ContainerInspect;
import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;

/** `berth logs [-f] [-t] [--tail N]`: a container's output, stdout and stderr kept apart. */
@Command(name = "logs", description = "Fetch the logs of a container")
final class LogsCommand extends ApiCommand {
    @Option(names = {"-f", "--follow"}, description = "Follow log output")
    boolean follow;

    @Option(names = {"-t", "--timestamps"}, description = "Show timestamps")
    boolean timestamps;

    @Option(names = {"-n", "--tail"}, description = "Number of lines to show from the end of the logs (default \"all\")")
    String tail;

    @Option(names = "--since", description = "Show logs since timestamp or relative (e.g. 42m)")
    String since;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() throws IOException {
        String path = "/containers/" + EngineClient.segment(container);
        // The daemon does not say whether the stream is framed; the container's tty setting does.
        ContainerInspect inspected = client().getJson(path + "/json", ContainerInspect.class);
        boolean tty = inspected.config() != null && Boolean.TRUE.equals(inspected.config().tty());
        try (ApiResponse logs = client().open(ApiRequest.get(EngineClient.query(path + "/logs", EngineClient.parameters(
                "stdout", 1, "stderr", 1, "follow", follow ? 1 : null, "timestamps", timestamps ? 1 : null,
                "tail", tail, "since", since))))) {
            ContainerOutput.copy(logs.body(), tty, out(), err());
        }
        return 0;
    }
}
