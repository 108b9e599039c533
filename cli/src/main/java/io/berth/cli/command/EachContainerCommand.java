package io.berth.cli.command;

import io.berth.cli.client.DaemonErrorException;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.List;

/**
 * A command applied to each named container in turn (start, stop, rm, wait): a failure is printed
 * and the rest still run, and the exit status is 1 if any failed, as with docker.
 */
abstract class EachContainerCommand extends ApiCommand {
    @Parameters(arity = "1..*", paramLabel = "CONTAINER", description = "Containers (names or ids)")
    List<String> containers;

    /** Acts on one container and returns what to print for it. */
    abstract String apply(String container) throws IOException;

    @Override
    public Integer call() throws IOException {
        int status = 0;
        for (String container : containers) {
            try {
                out().println(apply(container));
            } catch (DaemonErrorException e) {
                out().flush();
                err().println("Error response from daemon: " + e.getMessage());
                status = 1;
            }
        }
        return status;
    }
}
