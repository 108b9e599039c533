package io.berth.cli.command;

import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** What every subcommand shares: --help, the daemon client and the output streams of the root command. */
abstract class ApiCommand implements Callable<Integer> {
    /** The root command, or a command group (`image`, `system`) for their subcommands. */
    @ParentCommand
    Object parent;

    @Option(names = "--help", usageHelp = true, description = "Print usage")
    boolean help;

    BerthCommand root() {
        return switch (parent) {
            case BerthCommand root -> root;
            case CommandGroup group -> group.root();
            default -> throw new IllegalStateException("unexpected parent command " + parent);
        };
    }

    EngineClient client() {
        return root().client();
    }

    /** X-Registry-Auth for a registry from the stored logins ("{}" when there is none, which daemons accept). */
    String registryAuth(String registry) throws java.io.IOException {
        return io.berth.cli.config.RegistryLogins.of(root().environment).header(registry);
    }

    PrintStream out() {
        return root().out;
    }

    PrintStream err() {
        return root().err;
    }
}
