package io.berth.cli.command;

import io.berth.cli.config.RegistryLogins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;

/** `berth logout [SERVER]`: forgets the stored login (the daemon keeps none). */
@Command(name = "logout", description = "Log out from a registry")
final class LogoutCommand extends ApiCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SERVER")
    String server;

    @Override
    public Integer call() throws IOException {
        String key = RegistryLogins.serverKey(server);
        boolean removed = RegistryLogins.of(root().environment).remove(key);
        out().println(removed ? "Removing login credentials for " + key : "Not logged in to " + key);
        return 0;
    }
}
