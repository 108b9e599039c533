package io.berth.cli.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** A command that only groups subcommands (`berth image prune`, `berth system df`); alone it prints its usage. */
abstract class CommandGroup implements Callable<Integer> {
    @ParentCommand
    BerthCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = "--help", usageHelp = true, description = "Print usage")
    boolean help;

    BerthCommand root() {
        return root;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(root.out);
        return 0;
    }

    @Command(name = "image", description = "Manage images", subcommands = ImagePruneCommand.class)
    static final class Image extends CommandGroup {}

    @Command(name = "system", description = "Manage Berth", subcommands = SystemDfCommand.class)
    static final class SystemGroup extends CommandGroup {}
}
