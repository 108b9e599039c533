package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.config.RegistryLogins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** `berth login [-u USER] [-p PASS | --password-stdin] [SERVER]`: checks through the daemon (POST /auth), then stores the login. */
@Command(name = "login", description = "Authenticate to a registry")
final class LoginCommand extends ApiCommand {
    @Option(names = {"-u", "--username"}, description = "Username")
    String username;

    @Option(names = {"-p", "--password"}, description = "Password or Personal Access Token (PAT)")
    String password;

    @Option(names = "--password-stdin", description = "Take the Password or Personal Access Token (PAT) from stdin")
    boolean passwordStdin;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SERVER")
    String server;

    @Override
    public Integer call() throws IOException {
        if (password != null && passwordStdin) throw new IllegalArgumentException("--password and --password-stdin are mutually exclusive");
        if (passwordStdin) {
            if (username == null) throw new IllegalArgumentException("Must provide --username with --password-stdin");
            password = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } else if (password != null) {
            err().println("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        }
        if (username == null || password == null) promptForMissing();
        String key = RegistryLogins.serverKey(server);
        Map<String, String> body = new LinkedHashMap<>();
        body.put("username", username);
        body.put("password", password);
        body.put("serveraddress", key);
        client().call(ApiRequest.postJson("/auth", client().mapper().writeValueAsBytes(body)));
        RegistryLogins.of(root().environment)
                .store(key, new RegistryLogins.Login(username, password, null));
        out().println("Login Succeeded");
        return 0;
    }

    private void promptForMissing() {
        Console console = System.console();
        if (console == null) throw new IllegalArgumentException("Error: Cannot perform an interactive login from a non TTY device");
        if (username == null) username = console.readLine("Username: ").strip();
        if (password == null) password = new String(console.readPassword("Password: "));
        if (username.isEmpty()) throw new IllegalArgumentException("Error: Non-null Username Required");
    }
}
