package io.berth.cli.command;

import io.berth.api.model.WaitResponse;
import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;

import java.io.IOException;

/** `berth wait`: blocks until each container stops and prints its exit code. */
@Command(name = "wait", description = "Block until one or more containers stop, then print their exit codes")
final class WaitCommand extends EachContainerCommand {
    @Override
    String apply(String container) throws IOException {
        WaitResponse result = client().call(ApiRequest.post("/containers/" + EngineClient.segment(container) + "/wait"),
                WaitResponse.class);
        return Long.toString(result.statusCode());
    }
}
