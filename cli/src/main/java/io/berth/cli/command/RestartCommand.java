package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;

/** `berth restart [-t N]`: stops (signal, SIGKILL after the timeout) and starts again, printing each name given. */
@Command(name = "restart", description = "Restart one or more containers")
final class RestartCommand extends EachContainerCommand {
    @Option(names = {"-t", "--time", "--timeout"}, description = "Seconds to wait before killing the container")
    Integer timeout;

    @Option(names = {"-s", "--signal"}, description = "Signal to send to the container")
    String signal;

    @Override
    String apply(String container) throws IOException {
        client().call(ApiRequest.post(EngineClient.query("/containers/" + EngineClient.segment(container) + "/restart",
                EngineClient.parameters("signal", signal, "t", timeout))));
        return container;
    }
}
