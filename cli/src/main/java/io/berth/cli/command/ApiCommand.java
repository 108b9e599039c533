package io.berth.cli.command;

import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** What every subcommand shares: --help, the daemon client and the output streams of the root command. */
abstract class ApiCommand implements Callable<Integer> {
    @ParentCommand
    BerthCommand berth;

    @Option(names = "--help", usageHelp = true, description = "Print usage")
    boolean help;

    EngineClient client() {
        return berth.client();
    }

    PrintStream out() {
        return berth.out;
    }

    PrintStream err() {
        return berth.err;
    }
}
