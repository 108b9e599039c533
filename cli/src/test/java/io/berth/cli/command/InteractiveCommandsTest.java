package io.berth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.api.model.ContainerConfig;
import io.berth.cli.terminal.LocalTerminal;
import io.berth.cli.testing.ScriptedDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** exec, attach and the interactive flags of run/create/start against a scripted daemon on a real socket. */
class InteractiveCommandsTest {
    private static final String ID = "abc123abc123" + "0".repeat(52);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private ScriptedDaemon daemon;

    @AfterEach
    void stop() throws IOException {
        if (daemon != null) {
            daemon.close();
        }
    }

    private int berth(String stdin, Function<ScriptedDaemon.Request, byte[]> script, String... args) throws IOException {
        if (daemon != null) daemon.close(); // a test may run several commands, each against a fresh daemon
        daemon = new ScriptedDaemon(request -> request.path().equals("/_ping")
                ? ScriptedDaemon.respond(200, "text/plain", "OK") : script.apply(request));
        LocalTerminal terminal = LocalTerminal.piped(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        return BerthCommand.execute(args, terminal, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("BERTH_HOST", daemon.host(), "FROM_CLI", "c"));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private ScriptedDaemon.Request request(String linePrefix) {
        return daemon.requests().stream().filter(r -> r.line().startsWith(linePrefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + linePrefix + " in " + daemon.requests().stream().map(ScriptedDaemon.Request::line).toList()));
    }

    private static JsonNode body(ScriptedDaemon.Request request) throws IOException {
        return JSON.readTree(request.body());
    }

    /** A daemon with a running container "box" whose execs answer as given. */
    private static Function<ScriptedDaemon.Request, byte[]> execDaemon(byte[] startReply, int exitCode) {
        return request -> {
            String line = request.line();
            if (line.equals("GET /v1.41/containers/box/json")) {
                return ScriptedDaemon.json(200, "{\"Id\":\"" + ID + "\",\"State\":{\"Running\":true}}");
            }
            if (line.equals("POST /v1.41/containers/box/exec")) {
                return ScriptedDaemon.json(201, "{\"Id\":\"e1\"}");
            }
            if (line.equals("POST /v1.41/exec/e1/start")) {
                return startReply;
            }
            if (line.equals("GET /v1.41/exec/e1/json")) {
                return ScriptedDaemon.json(200, "{\"Running\":false,\"ExitCode\":" + exitCode + "}");
            }
            return ScriptedDaemon.json(404, "{\"message\":\"unexpected " + line + "\"}");
        };
    }

    @Test
    void execSendsDockersBodyRelaysTheStreamsAndExitsWithTheExecsCode() throws IOException {
        Path envFile = Files.createTempFile("exec", ".env");
        try {
            Files.writeString(envFile, "# settings\n  FROM_FILE=f\n\nFROM_CLI\nUNSET_HERE\n");
            byte[] stream = ScriptedDaemon.upgraded(ScriptedDaemon.concat(ScriptedDaemon.frame(1, "out\n"), ScriptedDaemon.frame(2, "err\n")));
            int status = berth("", execDaemon(stream, 3), "exec", "-w", "/w", "--env-file", envFile.toString(), "-e", "A=1",
                    "-u", "1000:1000", "--privileged", "--detach-keys", "ctrl-x,x", "box", "sh", "-c", "exit 3", "-e");
            assertEquals(3, status, stderr());
            assertEquals("out\n", stdout());
            assertEquals("err\n", stderr());
        } finally {
            Files.delete(envFile);
        }
        JsonNode create = body(request("POST /v1.41/containers/box/exec"));
        assertEquals(List.of("sh", "-c", "exit 3", "-e"), JSON.convertValue(create.get("Cmd"), List.class), "flags after the command are its own");
        assertEquals(List.of("FROM_FILE=f", "FROM_CLI=c", "A=1"), JSON.convertValue(create.get("Env"), List.class));
        assertEquals("/w", create.get("WorkingDir").asText());
        assertEquals("1000:1000", create.get("User").asText());
        assertEquals("ctrl-x,x", create.get("DetachKeys").asText());
        assertTrue(create.get("Privileged").asBoolean());
        assertFalse(create.get("AttachStdin").asBoolean());
        assertTrue(create.get("AttachStdout").asBoolean() && create.get("AttachStderr").asBoolean());
        assertFalse(create.get("Tty").asBoolean());
        assertFalse(create.has("ConsoleSize"), "no terminal, no size");
        ScriptedDaemon.Request start = request("POST /v1.41/exec/e1/start");
        assertEquals("{\"Detach\":false,\"Tty\":false}", new String(start.body(), StandardCharsets.UTF_8));
        assertEquals("tcp", start.headers().get("upgrade"));
        assertEquals("Upgrade", start.headers().get("connection"));
    }

    @Test
    void execForwardsPipedStdinAndHalfClosesAtItsEnd() throws IOException {
        int status = berth("typed\nlines\n", execDaemon(ScriptedDaemon.ECHO_STDIN, 0), "exec", "-i", "box", "cat");
        assertEquals(0, status, stderr());
        assertEquals("typed\nlines\n", stdout());
        assertTrue(body(request("POST /v1.41/containers/box/exec")).get("AttachStdin").asBoolean());
    }

    @Test
    void execDetachedStartsWithoutHijackingAndPrintsNothing() throws IOException {
        int status = berth("", execDaemon(ScriptedDaemon.respond(200, "text/plain", ""), 0), "exec", "-d", "box", "sleep", "9");
        assertEquals(0, status, stderr());
        assertEquals("", stdout() + stderr());
        JsonNode create = body(request("POST /v1.41/containers/box/exec"));
        assertFalse(create.get("AttachStdout").asBoolean() || create.get("AttachStderr").asBoolean() || create.get("AttachStdin").asBoolean());
        ScriptedDaemon.Request start = request("POST /v1.41/exec/e1/start");
        assertEquals("{\"Detach\":true,\"Tty\":false}", new String(start.body(), StandardCharsets.UTF_8));
        assertNull(start.headers().get("upgrade"));
        assertTrue(daemon.requests().stream().noneMatch(r -> r.path().endsWith("/exec/e1/json")), "-d does not wait for the exit");
    }

    @Test
    void execWithATtyAndPipedInputIsRefusedBeforeAnExecExists() throws IOException {
        int status = berth("", execDaemon(ScriptedDaemon.ECHO_STDIN, 0), "exec", "-it", "box", "sh");
        assertEquals(1, status);
        assertEquals("the input device is not a TTY\n", stderr());
        assertTrue(daemon.requests().stream().noneMatch(r -> r.path().contains("/exec")), daemon.requests().toString());
        // Without -i there is no input to make raw, so docker allows -t alone.
        out.reset();
        err.reset();
        daemon.close();
        assertEquals(0, berth("", execDaemon(ScriptedDaemon.upgraded("x\r\n".getBytes(StandardCharsets.UTF_8)), 0), "exec", "-t", "box", "sh"));
        assertEquals("x\r\n", stdout(), "a tty stream is raw, not demultiplexed");
    }

    @Test
    void execInAMissingContainerNamesIt() throws IOException {
        int status = berth("", request -> ScriptedDaemon.json(404, "{\"message\":\"No such container: gone\"}"), "exec", "gone", "true");
        assertEquals(1, status);
        assertEquals("Error response from daemon: No such container: gone\n", stderr());
    }

    @Test
    void usageErrorsCountArgumentsLikeDocker() throws IOException {
        assertEquals(1, berth("", request -> new byte[0], "exec", "box"));
        assertTrue(stderr().startsWith("berth: 'berth exec' requires at least 2 arguments\n"), stderr());
        err.reset();
        assertEquals(1, berth("", request -> new byte[0], "attach"));
        assertTrue(stderr().startsWith("berth: 'berth attach' requires 1 argument\n"), stderr());
    }

    /** A daemon with a running container "box" (tty and stdin as given) that exits with the status. */
    private static Function<ScriptedDaemon.Request, byte[]> attachDaemon(boolean running, boolean openStdin, byte[] attachReply, int status) {
        return request -> {
            String line = request.line();
            if (line.equals("GET /v1.41/containers/box/json")) {
                return ScriptedDaemon.json(200, "{\"Id\":\"" + ID + "\",\"State\":{\"Running\":" + running + "},"
                        + "\"Config\":{\"Tty\":false,\"OpenStdin\":" + openStdin + "}}");
            }
            if (line.startsWith("POST /v1.41/containers/box/attach")) {
                return attachReply;
            }
            if (line.startsWith("POST /v1.41/containers/box/wait")) {
                return ScriptedDaemon.json(200, "{\"StatusCode\":" + status + "}");
            }
            return ScriptedDaemon.json(404, "{\"message\":\"unexpected " + line + "\"}");
        };
    }

    @Test
    void attachRelaysTheOutputAndExitsWithTheContainersStatus() throws IOException {
        byte[] stream = ScriptedDaemon.upgraded(ScriptedDaemon.concat(ScriptedDaemon.frame(1, "tick\n"), ScriptedDaemon.frame(2, "tock\n")));
        int status = berth("", attachDaemon(true, false, stream, 4), "attach", "--detach-keys", "ctrl-a", "box");
        assertEquals(4, status, stderr());
        assertEquals("tick\n", stdout());
        assertEquals("tock\n", stderr());
        assertEquals("POST /v1.41/containers/box/attach?stream=1&stdout=1&stderr=1&detachKeys=ctrl-a",
                request("POST /v1.41/containers/box/attach").line(), "no stdin for a container created without -i");
    }

    @Test
    void attachForwardsStdinWhenTheContainerHasOne() throws IOException {
        int status = berth("fed\n", attachDaemon(true, true, ScriptedDaemon.ECHO_STDIN, 0), "attach", "box");
        assertEquals(0, status, stderr());
        assertEquals("fed\n", stdout());
        assertTrue(request("POST /v1.41/containers/box/attach").path().contains("stdin=1"));
    }

    @Test
    void attachToAStoppedContainerIsRefused() throws IOException {
        int status = berth("", attachDaemon(false, false, new byte[0], 0), "attach", "box");
        assertEquals(1, status);
        assertEquals("You cannot attach to a stopped container, start it first\n", stderr());
        assertTrue(daemon.requests().stream().noneMatch(r -> r.path().contains("/attach")));
    }

    @Test
    void runInteractiveForwardsPipedStdinToTheContainer() throws IOException {
        int status = berth("hello\n", request -> {
            String path = request.path();
            if (path.startsWith("/v1.41/containers/create")) {
                return ScriptedDaemon.json(201, "{\"Id\":\"" + ID + "\",\"Warnings\":[]}");
            }
            if (path.contains("/attach")) {
                return ScriptedDaemon.ECHO_STDIN;
            }
            if (path.contains("/wait")) {
                return ScriptedDaemon.json(200, "{\"StatusCode\":0}");
            }
            return ScriptedDaemon.respond(204, "text/plain", "");
        }, "run", "-i", "--detach-keys", "ctrl-q", "busybox", "cat");
        assertEquals(0, status, stderr());
        assertEquals("hello\n", stdout());
        assertEquals("POST /v1.41/containers/" + ID + "/attach?stream=1&stdin=1&stdout=1&stderr=1&detachKeys=ctrl-q",
                request("POST /v1.41/containers/" + ID + "/attach").line());
        ContainerConfig config = JSON.readValue(request("POST /v1.41/containers/create").body(), ContainerConfig.class);
        assertEquals(Boolean.TRUE, config.openStdin());
        assertEquals(Boolean.TRUE, config.stdinOnce());
        assertEquals(Boolean.TRUE, config.attachStdin());
    }

    private static ContainerConfig parsedConfig(String... args) {
        BerthCommand root = new BerthCommand(System.out, System.err, Map.of());
        CommandLine.ParseResult parsed = BerthCommand.commandLine(root, args).parseArgs(args);
        return ((ContainerLaunchCommand) parsed.subcommand().commandSpec().userObject()).containerConfig();
    }

    @Test
    void attachFlagsBecomeTheCreateBodyAsDockersDo() {
        ContainerConfig stdoutOnly = parsedConfig("run", "-a", "STDOUT", "busybox");
        assertEquals(List.of(false, true, false, false, false),
                List.of(stdoutOnly.attachStdin(), stdoutOnly.attachStdout(), stdoutOnly.attachStderr(), stdoutOnly.openStdin(), stdoutOnly.stdinOnce()));
        ContainerConfig interactive = parsedConfig("run", "-it", "busybox", "sh");
        assertEquals(List.of(true, true, true, true, true, true),
                List.of(interactive.attachStdin(), interactive.attachStdout(), interactive.attachStderr(), interactive.openStdin(),
                        interactive.stdinOnce(), interactive.tty()));
        ContainerConfig detached = parsedConfig("run", "-d", "-i", "busybox", "sh");
        assertEquals(List.of(false, false, false, true, false),
                List.of(detached.attachStdin(), detached.attachStdout(), detached.attachStderr(), detached.openStdin(), detached.stdinOnce()));
        ContainerConfig created = parsedConfig("create", "-i", "busybox", "sh");
        assertEquals(List.of(true, true, true, true, true),
                List.of(created.attachStdin(), created.attachStdout(), created.attachStderr(), created.openStdin(), created.stdinOnce()),
                "docker create attaches like run, so that start -ai can");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> parsedConfig("run", "-a", "stdio", "busybox"));
        assertTrue(bad.getMessage().endsWith("valid streams are STDIN, STDOUT and STDERR"), bad.getMessage());
    }

    @Test
    void runRefusesATtyWithPipedInputAndAttachWithDetach() throws IOException {
        assertEquals(1, berth("", request -> ScriptedDaemon.json(500, "{\"message\":\"must not be reached\"}"), "run", "-it", "busybox", "sh"));
        assertEquals("the input device is not a TTY\n", stderr());
        assertTrue(daemon.requests().stream().noneMatch(r -> r.path().contains("/containers/create")));
        err.reset();
        daemon.close();
        assertEquals(1, berth("", request -> ScriptedDaemon.json(500, "{}"), "run", "-d", "-a", "stdout", "busybox"));
        assertEquals("conflicting options: cannot specify both --attach and --detach\n", stderr());
    }

    @Test
    void envFilesFollowDockersFormat() throws IOException {
        Path file = Files.createTempFile("env", ".list");
        try {
            Files.writeString(file, "A=1\n# no\n\n   B=two words\nFROM_CLI\nMISSING\nC=\n");
            assertEquals(List.of("A=1", "B=two words", "FROM_CLI=c", "C="), ContainerFlags.environmentFile(file.toString(), Map.of("FROM_CLI", "c")));
            Files.writeString(file, "BAD KEY=1\n");
            IllegalArgumentException spaced = assertThrows(IllegalArgumentException.class,
                    () -> ContainerFlags.environmentFile(file.toString(), Map.of()));
            assertEquals("variable 'BAD KEY' contains whitespaces", spaced.getMessage());
        } finally {
            Files.delete(file);
        }
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ContainerFlags.environmentFile("/nonexistent/berth.env", Map.of()));
        assertEquals("open /nonexistent/berth.env: no such file or directory", missing.getMessage());
    }

    @Test
    void execBodyCarriesTheConsoleSizeOnlyWithATty() {
        BerthCommand root = new BerthCommand(System.out, System.err, Map.of());
        String[] args = {"exec", "-t", "box", "top"};
        CommandLine.ParseResult parsed = BerthCommand.commandLine(root, args).parseArgs(args);
        ExecCommand exec = (ExecCommand) parsed.subcommand().commandSpec().userObject();
        Map<String, Object> config = exec.execConfig(Optional.of(new io.berth.cli.terminal.WindowSize(24, 80)));
        assertEquals(List.of(24, 80), config.get("ConsoleSize"));
        assertEquals(true, config.get("Tty"));
        exec.tty = false;
        assertFalse(exec.execConfig(Optional.of(new io.berth.cli.terminal.WindowSize(24, 80))).containsKey("ConsoleSize"));
    }
}
