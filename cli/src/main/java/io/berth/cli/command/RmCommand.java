package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;

/** `berth rm [-f] [-v]`: removes containers and prints each name given. */
@Command(name = "rm", description = "Remove one or more containers")
final class RmCommand extends EachContainerCommand {
    @Option(names = {"-f", "--force"}, description = "Force the removal of a running container (uses SIGKILL)")
    boolean force;

    @Option(names = {"-v", "--volumes"}, description = "Remove anonymous volumes associated with the container")
    boolean volumes;

    @Override
    String apply(String container) throws IOException {
        client().call(ApiRequest.delete(EngineClient.query("/containers/" + EngineClient.segment(container),
                EngineClient.parameters("v", volumes ? 1 : null, "force", force ? 1 : null))));
        return container;
    }
}
