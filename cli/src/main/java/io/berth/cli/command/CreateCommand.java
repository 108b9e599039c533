package io.berth.cli.command;

import picocli.CommandLine.Command;

import java.io.IOException;

/** `berth create`: creates a container (pulling its image if needed) and prints its id. */
@Command(name = "create", description = "Create a new container")
final class CreateCommand extends ContainerLaunchCommand {
    @Override
    boolean detached() {
        return false;
    }

    @Override
    public Integer call() throws IOException {
        out().println(createContainer());
        return 0;
    }
}
