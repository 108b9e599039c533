package io.berth.cli.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;

/**
 * `berth run`: create (pulling if needed), then - unless detached - attach, wait, start and relay
 * the streams (interactively with -i, on a raw terminal with -t); exits with the container's
 * status, 0 when the user detaches, or 125/126/127 when it could not run.
 */
@Command(name = "run", description = "Create and run a new container from an image")
final class RunCommand extends ContainerLaunchCommand {
    @Option(names = {"-d", "--detach"}, description = "Run container in background and print container ID")
    boolean detach;

    @Option(names = "--sig-proxy", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Proxy received signals to the process (default true)")
    boolean sigProxy;

    @Option(names = "--detach-keys", description = "Override the key sequence for detaching a container")
    String detachKeys;

    @Override
    boolean detached() {
        return detach;
    }

    @Override
    public Integer call() throws IOException {
        if (detach && !attach.isEmpty()) {
            throw new ExitStatusException("conflicting options: cannot specify both --attach and --detach", 1);
        }
        AttachedStreams streams = attachedStreams();
        if (!detach) {
            ExitStatusException.requireTerminalFor(streams.stdin(), tty, root().terminal.stdinIsTerminal());
        }
        String id = createContainer();
        String container = "/containers/" + id;
        AttachedStart session = new AttachedStart(client(), root().terminal, out(), err());
        if (detach) {
            Integer failure = session.start(container);
            if (failure != null) {
                return failure;
            }
            out().println(id);
            return 0;
        }
        if (!streams.output()) {
            // docker prints the id when no output is attached, and does not wait for the exit.
            out().println(id);
        }
        String waitCondition = !streams.output() ? null : autoRemove ? "removed" : "next-exit";
        return session.run(container, new AttachedStart.Options(tty, streams.stdin(), streams.stdout(), streams.stderr(),
                sigProxy, detachKeys, waitCondition));
    }
}
