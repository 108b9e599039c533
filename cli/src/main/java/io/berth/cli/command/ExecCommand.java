package io.berth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.EngineClient;
import io.berth.cli.terminal.LocalTerminal;
import io.berth.cli.terminal.WindowSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * `berth exec`: creates an exec in a running container, starts it (hijacking the connection
 * unless -d), relays its streams and exits with its ExitCode, as docker does.
 */
@Command(name = "exec", description = "Execute a command in a running container")
final class ExecCommand extends ApiCommand {
    /** How long a finished stream may precede the daemon's record of the exit code. */
    private static final Duration EXIT_CODE_GRACE = Duration.ofSeconds(5);

    @Option(names = {"-d", "--detach"}, description = "Detached mode: run command in the background")
    boolean detach;
    @Option(names = "--detach-keys", description = "Override the key sequence for detaching a container")
    String detachKeys;
    @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "Set environment variables")
    List<String> env = new ArrayList<>();
    @Option(names = "--env-file", paramLabel = "FILE", description = "Read in a file of environment variables")
    List<String> envFiles = new ArrayList<>();
    @Option(names = {"-i", "--interactive"}, description = "Keep STDIN open even if not attached")
    boolean interactive;
    @Option(names = "--privileged", description = "Give extended privileges to the command")
    boolean privileged;
    @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-TTY")
    boolean tty;
    @Option(names = {"-u", "--user"}, description = "Username or UID (format: \"<name|uid>[:<group|gid>]\")")
    String user;
    @Option(names = {"-w", "--workdir"}, description = "Working directory inside the container")
    String workdir;

    @Parameters(index = "0", paramLabel = "CONTAINER", description = "The running container")
    String container;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "Command and arguments")
    List<String> command;

    @Override
    public Integer call() throws IOException {
        LocalTerminal terminal = root().terminal;
        Map<String, Object> config = execConfig(terminal.windowSize());
        String containerPath = "/containers/" + EngineClient.segment(container);
        // Like docker: "No such container" wins over the tty check, and both come before the exec
        // exists, since a created exec that is never started cannot be removed.
        client().call(ApiRequest.get(containerPath + "/json"));
        if (!detach) {
            ExitStatusException.requireTerminalFor(interactive, tty, terminal.stdinIsTerminal());
        }
        JsonNode created = client().callTree(ApiRequest.postJson(containerPath + "/exec", json(config)));
        String id = created.path("Id").asText("");
        if (id.isEmpty()) {
            throw new IllegalStateException("exec ID empty");
        }
        String exec = "/exec/" + id;
        Map<String, Object> start = startConfig(config);
        if (detach) {
            client().call(ApiRequest.postJson(exec + "/start", json(start)));
            return 0;
        }
        ApiResponse connection = client().open(ApiRequest.postJsonUpgrade(exec + "/start", json(start)));
        if (tty && terminal.stdinIsTerminal()) {
            new TtySizeSync(client(), terminal, err()).follow(exec + "/resize");
        }
        HijackedSession.Outcome outcome = new HijackedSession(terminal, out(), err())
                .relay(connection, tty, interactive, detachKeys);
        if (outcome == HijackedSession.Outcome.DETACHED) {
            throw ExitStatusException.detached();
        }
        return exitCode(exec);
    }

    /** The create body, in the field names and meaning of docker's ExecOptions. */
    Map<String, Object> execConfig(Optional<WindowSize> windowSize) {
        Map<String, Object> config = new LinkedHashMap<>();
        putIfSet(config, "User", user);
        config.put("Privileged", privileged);
        config.put("Tty", tty);
        if (tty) {
            windowSize.ifPresent(size -> config.put("ConsoleSize", size.consoleSize()));
        }
        // Without -d everything but stdin is attached; stdin only with -i.
        config.put("AttachStdin", !detach && interactive);
        config.put("AttachStderr", !detach);
        config.put("AttachStdout", !detach);
        putIfSet(config, "DetachKeys", detachKeys);
        List<String> environment = ContainerFlags.environment(envFiles, env, root().environment);
        if (!environment.isEmpty()) {
            config.put("Env", environment);
        }
        putIfSet(config, "WorkingDir", workdir);
        config.put("Cmd", command);
        return config;
    }

    private Map<String, Object> startConfig(Map<String, Object> config) {
        Map<String, Object> start = new LinkedHashMap<>();
        start.put("Detach", detach);
        start.put("Tty", tty);
        if (config.containsKey("ConsoleSize")) {
            start.put("ConsoleSize", config.get("ConsoleSize"));
        }
        return start;
    }

    private static void putIfSet(Map<String, Object> target, String key, String value) {
        if (value != null && !value.isEmpty()) {
            target.put(key, value);
        }
    }

    private byte[] json(Object body) throws IOException {
        return client().mapper().writeValueAsBytes(body);
    }

    /** The exec's exit code, waiting briefly if the stream ended before the daemon recorded it. */
    private int exitCode(String exec) throws IOException {
        Instant deadline = Instant.now().plus(EXIT_CODE_GRACE);
        while (true) {
            JsonNode inspected = client().callTree(ApiRequest.get(exec + "/json"));
            boolean running = inspected.path("Running").asBoolean(false);
            if (!running || Instant.now().isAfter(deadline)) {
                return inspected.path("ExitCode").asInt(0);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the exec to end");
            }
        }
    }
}
