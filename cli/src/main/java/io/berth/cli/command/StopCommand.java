package io.berth.cli.command;

import picocli.CommandLine.Command;

/** `berth stop [-t N]`: stops running containers (signal, then SIGKILL after the timeout) and prints each name given. */
@Command(name = "stop", description = "Stop one or more running containers")
final class StopCommand extends TimedStopCommand {
    @Override
    String action() { return "stop"; }
}
