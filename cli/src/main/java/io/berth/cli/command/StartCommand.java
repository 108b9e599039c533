package io.berth.cli.command;

import io.berth.api.model.ContainerInspect;
import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;

/** `berth start [-a] [-i] [--detach-keys]`: starts stopped containers and prints each name given, or attaches to one like run does. */
@Command(name = "start", description = "Start one or more stopped containers")
final class StartCommand extends EachContainerCommand {
    @Option(names = {"-a", "--attach"}, description = "Attach STDOUT/STDERR and forward signals")
    boolean attach;

    @Option(names = {"-i", "--interactive"}, description = "Attach container's STDIN")
    boolean interactive;

    @Option(names = "--detach-keys", description = "Override the key sequence for detaching a container")
    String detachKeys;

    @Override
    public Integer call() throws IOException {
        if (!attach && !interactive) {
            return super.call();
        }
        if (containers.size() > 1) {
            throw new IllegalArgumentException("you cannot start and attach multiple containers at once");
        }
        String container = "/containers/" + EngineClient.segment(containers.getFirst());
        ContainerInspect inspected = client().getJson(container + "/json", ContainerInspect.class);
        boolean tty = inspected.config() != null && Boolean.TRUE.equals(inspected.config().tty());
        boolean autoRemove = inspected.hostConfig() != null && Boolean.TRUE.equals(inspected.hostConfig().autoRemove());
        // Only a container created with -i has a stdin to attach to.
        boolean stdin = interactive && inspected.config() != null && Boolean.TRUE.equals(inspected.config().openStdin());
        return new AttachedStart(client(), root().terminal, out(), err()).run(container,
                new AttachedStart.Options(tty, stdin, true, true, true, detachKeys, autoRemove ? "removed" : "next-exit"));
    }

    @Override
    String apply(String container) throws IOException {
        client().call(ApiRequest.post("/containers/" + EngineClient.segment(container) + "/start"));
        return container;
    }
}
