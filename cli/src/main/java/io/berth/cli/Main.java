package io.berth.cli;

import io.berth.cli.command.BerthCommand;
import io.berth.cli.terminal.LocalTerminal;

/** Entry point of the `berth` command: one JVM per invocation, exit status like docker's. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int exitCode = BerthCommand.execute(args, LocalTerminal.detect(), System.out, System.err, System.getenv());
        System.out.flush();
        System.err.flush();
        System.exit(exitCode);
    }
}
