package io.berth.cli;

import io.berth.cli.command.BerthCommand;

/** Entry point of the `berth` command: one JVM per invocation, exit status like docker's. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int exitCode = BerthCommand.execute(args, System.out, System.err, System.getenv());
        System.out.flush();
        System.err.flush();
        System.exit(exitCode);
    }
}
