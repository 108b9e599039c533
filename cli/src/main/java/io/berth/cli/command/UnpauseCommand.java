package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;

import java.io.IOException;

/** `berth unpause`: unpause all processes within one or more containers (the cgroup freezer) and prints each name given. */
@Command(name = "unpause", description = "Unpause all processes within one or more containers")
final class UnpauseCommand extends EachContainerCommand {
    @Override
    String apply(String container) throws IOException {
        client().call(ApiRequest.post("/containers/" + EngineClient.segment(container) + "/unpause"));
        return container;
    }
}
