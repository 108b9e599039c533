package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;

/** `berth stop [-t N]`: stops running containers (signal, then SIGKILL after the timeout) and prints each name given. */
@Command(name = "stop", description = "Stop one or more running containers")
final class StopCommand extends EachContainerCommand {
    @Option(names = {"-t", "--time", "--timeout"}, description = "Seconds to wait before killing the container")
    Integer timeout;

    @Option(names = {"-s", "--signal"}, description = "Signal to send to the container")
    String signal;

    @Override
    String apply(String container) throws IOException {
        client().call(ApiRequest.post(EngineClient.query("/containers/" + EngineClient.segment(container) + "/stop",
                EngineClient.parameters("signal", signal, "t", timeout))));
        return container;
    }
}
