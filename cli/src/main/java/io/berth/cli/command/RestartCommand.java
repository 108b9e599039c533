package io.berth.cli.command;

import picocli.CommandLine.Command;

/** `berth restart [-t N]`: stops (signal, SIGKILL after the timeout) and starts again, printing each name given. */
@Command(name = "restart", description = "Restart one or more containers")
final class RestartCommand extends TimedStopCommand {
    @Override
    String action() { return "restart"; }
}
