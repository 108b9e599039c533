package io.berth.cli.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;

/**
 * `berth run`: create (pulling if needed), then - unless detached - attach, wait, start and stream
 * the output; exits with the container's status, or 125/126/127 when it could not run.
 */
@Command(name = "run", description = "Create and run a new container from an image")
final class RunCommand extends ContainerLaunchCommand {
    @Option(names = {"-d", "--detach"}, description = "Run container in background and print container ID")
    boolean detach;

    @Option(names = "--sig-proxy", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Proxy received signals to the process (default true)")
    boolean sigProxy;

    @Override
    boolean attachesOutput() {
        return !detach;
    }

    @Override
    public Integer call() throws IOException {
        String id = createContainer();
        String container = "/containers/" + id;
        AttachedStart session = new AttachedStart(client(), out(), err());
        if (!detach) {
            return session.run(container, new AttachedStart.Options(tty, interactive, sigProxy, autoRemove ? "removed" : "next-exit"));
        }
        Integer failure = session.start(container);
        if (failure != null) {
            return failure;
        }
        out().println(id);
        return 0;
    }
}
