package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Option;

import java.io.IOException;

/** `stop` and `restart`: the same options and request shape, each on its own endpoint. */
abstract class TimedStopCommand extends EachContainerCommand {
    @Option(names = {"-t", "--time", "--timeout"}, description = "Seconds to wait before killing the container")
    Integer timeout;

    @Option(names = {"-s", "--signal"}, description = "Signal to send to the container")
    String signal;

    /** The container endpoint this command posts to. */
    abstract String action();

    @Override
    String apply(String container) throws IOException {
        client().call(ApiRequest.post(EngineClient.query("/containers/" + EngineClient.segment(container) + "/" + action(),
                EngineClient.parameters("signal", signal, "t", timeout))));
        return container;
    }
}
