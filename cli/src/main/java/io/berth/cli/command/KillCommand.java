package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;

/** `berth kill [-s SIGNAL]`: signals running containers (SIGKILL by default) and prints each name given. */
@Command(name = "kill", description = "Kill one or more running containers")
final class KillCommand extends EachContainerCommand {
    @Option(names = {"-s", "--signal"}, description = "Signal to send to the container")
    String signal;

    @Override
    String apply(String container) throws IOException {
        client().call(ApiRequest.post(EngineClient.query("/containers/" + EngineClient.segment(container) + "/kill",
                EngineClient.parameters("signal", signal))));
        return container;
    }
}
