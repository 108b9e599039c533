package io.berth.it;

import io.berth.testkit.BusyboxImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Interactive use of a real berthd through bin/berth and the real docker CLI: stdin piped to a
 * container, attached streams, exec, and shells typed into under a real pseudo-terminal (util-linux
 * `script`), checking that the terminal is raw during the session and cooked again afterwards.
 */
class InteractiveCliTest {
    private static final Duration PTY_TIMEOUT = Duration.ofSeconds(60);
    /**
     * The end of the banner an interactive busybox sh prints. The prompt would be the better cue,
     * but berthd holds back tty output that does not end a line (see the report), so it is not awaited.
     */
    private static final String SHELL_READY = "built-in commands.";
    private static Path dir;
    private static BerthDaemon daemon;

    @BeforeAll
    static void startDaemonWithBusybox() throws Exception {
        dir = Files.createTempDirectory("berth-interactive-it-");
        daemon = new BerthDaemon(dir, List.of()).start();
        Path tar = dir.resolve("rootfs.tar");
        BusyboxImage.build().writeRootfsTar(tar);
        CommandResult imported = daemon.berthWithInput(Files.readAllBytes(tar), "import", "-", "busybox:latest");
        assertEquals(0, imported.exitCode(), imported.toString());
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) daemon.close();
        if (dir != null) DockerCliTest.deleteTree(dir);
    }

    /** Runs the client named "berth" (bin/berth) or "docker" (/usr/local/bin/docker) with stdin piped. */
    private static CommandResult client(String client, byte[] stdin, String... args) {
        return client.equals("berth") ? daemon.berthWithInput(stdin, args)
                : Commands.run(dockerEnvironment(), stdin, Commands.concat(Commands.DOCKER_CLI.toString(), args));
    }

    private static Map<String, String> dockerEnvironment() {
        return Map.of("DOCKER_HOST", daemon.host(), "DOCKER_CONFIG", dir.resolve("docker-config").toString());
    }

    private static String executable(String client) {
        return client.equals("berth") ? Commands.REPO_ROOT.resolve("bin/berth").toString() : Commands.DOCKER_CLI.toString();
    }

    private static String runningContainer(String client, String name) {
        CommandResult run = client(client, null, "run", "-d", "--name", name, "busybox", "sleep", "600");
        assertEquals(0, run.exitCode(), run.toString());
        return name;
    }

    @ParameterizedTest
    @ValueSource(strings = {"berth", "docker"})
    void stdinPipedToCatComesBackAndEofEndsTheContainer(String client) {
        CommandResult cat = client(client, "hello\nworld\n".getBytes(StandardCharsets.UTF_8), "run", "--rm", "-i", "busybox", "cat");
        assertEquals(0, cat.exitCode(), cat.toString());
        assertEquals("hello\nworld\n", cat.stdout());

        CommandResult created = client(client, null, "create", "-i", "busybox", "sh", "-c", "cat; exit 9");
        assertEquals(0, created.exitCode(), created.toString());
        CommandResult started = client(client, "again\n".getBytes(StandardCharsets.UTF_8), "start", "-ai", created.stdout().strip());
        assertEquals(9, started.exitCode(), started.toString());
        assertEquals("again\n", started.stdout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"berth", "docker"})
    void attachingOnlyStdoutDropsStderr(String client) {
        CommandResult run = client(client, null, "run", "--rm", "-a", "stdout", "busybox", "sh", "-c", "echo out; echo err >&2; exit 2");
        assertEquals(2, run.exitCode(), run.toString());
        assertEquals("out\n", run.stdout());
        assertEquals("", run.stderr());
    }

    @Test
    void aTtyWithPipedInputIsRefusedLikeDocker() {
        CommandResult docker = client("docker", new byte[0], "run", "-it", "busybox", "sh");
        CommandResult berth = client("berth", new byte[0], "run", "-it", "busybox", "sh");
        assertEquals(1, berth.exitCode(), berth.toString());
        assertEquals("the input device is not a TTY\n", berth.stderr());
        assertEquals(docker.exitCode(), berth.exitCode(), docker.toString());
        CommandResult exec = client("berth", new byte[0], "exec", "-it", "nosuch", "sh");
        assertEquals("Error response from daemon: No such container: nosuch\n", exec.stderr(), "a missing container is named first");
        assertEquals(1, exec.exitCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"berth", "docker"})
    void execRunsWithItsWorkdirEnvironmentAndUserAndExitsWithItsCode(String client) throws IOException {
        String box = runningContainer(client, "exec-" + client);
        Path envFile = dir.resolve("exec-" + client + ".env");
        Files.writeString(envFile, "# comment\nFROM_FILE=f\n");
        CommandResult exec = client(client, null, "exec", "-w", "/tmp", "-e", "A=1", "--env-file", envFile.toString(),
                "-u", "1000:1000", box, "sh", "-c", "pwd; echo $A $FROM_FILE; id -u; echo oops >&2; exit 3");
        assertEquals(3, exec.exitCode(), exec.toString());
        assertEquals("/tmp\n1 f\n1000\n", exec.stdout());
        assertEquals("oops\n", exec.stderr());

        CommandResult piped = client(client, "typed\n".getBytes(StandardCharsets.UTF_8), "exec", "-i", box, "cat");
        assertEquals(0, piped.exitCode(), piped.toString());
        assertEquals("typed\n", piped.stdout());

        CommandResult missing = client(client, null, "exec", box, "/no/such/program");
        assertEquals(127, missing.exitCode(), missing.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"berth", "docker"})
    void execDetachedReturnsAtOnceAndTheCommandRuns(String client) throws InterruptedException {
        String box = runningContainer(client, "execd-" + client);
        CommandResult detached = client(client, null, "exec", "-d", box, "sh", "-c", "sleep 5; echo done > /tmp/marker");
        assertEquals(0, detached.exitCode(), detached.toString());
        assertEquals("", detached.stdout());
        assertNotEquals("done\n", client(client, null, "exec", box, "cat", "/tmp/marker").stdout(), "-d must not wait");
        Instant deadline = Instant.now().plusSeconds(20);
        CommandResult marker;
        do {
            Thread.sleep(200);
            marker = client(client, null, "exec", box, "cat", "/tmp/marker");
        } while (!marker.stdout().equals("done\n") && Instant.now().isBefore(deadline));
        assertEquals("done\n", marker.stdout(), marker.toString());
    }

    @Test
    void execInAStoppedContainerFailsLikeDocker() {
        CommandResult created = client("berth", null, "create", "--name", "stopped", "busybox", "true");
        assertEquals(0, created.exitCode(), created.toString());
        CommandResult berth = client("berth", null, "exec", "stopped", "true");
        CommandResult docker = client("docker", null, "exec", "stopped", "true");
        assertEquals(1, berth.exitCode(), berth.toString());
        assertEquals(docker.stderr(), berth.stderr());
        assertTrue(berth.stderr().startsWith("Error response from daemon: "), berth.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"berth", "docker"})
    void runItGivesAShellOnATerminalSizedLikeOursAndRestoresTheTerminal(String client) throws Exception {
        String command = "stty rows 33 cols 101; " + executable(client) + " run -it --rm busybox sh; echo EXIT=$?; stty -a";
        try (TerminalSession session = TerminalSession.start(client, command)) {
            session.await(SHELL_READY);
            session.type("stty size; echo marker-$((6*7))\n");
            assertTrue(session.await("marker-42").contains("33 101\r\n"), "the container's tty starts at our size");
            session.resize(50, 120);
            session.type("stty size; echo resized-$((6*7))\n");
            String resized = session.await("resized-42");
            assertTrue(resized.substring(resized.indexOf("marker-42")).contains("50 120\r\n"), "SIGWINCH resizes it: " + resized);
            session.type("exit 5\n");
            session.await("EXIT=5");
            assertCookedAfterwards(session.awaitEnd());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"berth", "docker"})
    void execItGivesAShellAndItsExitCode(String client) throws Exception {
        String box = runningContainer(client, "execit-" + client);
        String command = executable(client) + " exec -it " + box + " sh; echo EXIT=$?; stty -a";
        try (TerminalSession session = TerminalSession.start(client, command)) {
            session.await(SHELL_READY);
            session.type("echo in-exec-$((6*7))\n");
            session.await("in-exec-42");
            session.type("exit 4\n");
            session.await("EXIT=4");
            assertCookedAfterwards(session.awaitEnd());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"berth", "docker"})
    void ctrlPCtrlQDetachesAndAttachResumesTheShell(String client) throws Exception {
        String name = "detach-" + client;
        try (TerminalSession session = TerminalSession.start(client,
                executable(client) + " run -it --name " + name + " busybox sh; echo EXIT=$?; stty -a")) {
            session.await(SHELL_READY);
            session.type("echo before-$((2+3))\n");
            session.await("before-5");
            session.type("\u0010\u0011");
            session.await("EXIT=0");
            assertCookedAfterwards(session.awaitEnd());
        }
        CommandResult state = client(client, null, "inspect", "-f", "{{.State.Running}}", name);
        assertEquals("true\n", state.stdout(), "detaching leaves the container running: " + state);

        try (TerminalSession session = TerminalSession.start(client,
                executable(client) + " attach " + name + "; echo EXIT=$?; stty -a")) {
            // Nothing may be printed on attach until there is output, so the proof is an echo.
            Thread.sleep(1000);
            session.type("echo re-attached-$((6*7))\n");
            session.await("re-attached-42");
            session.type("exit 6\n");
            session.await("EXIT=6");
            assertCookedAfterwards(session.awaitEnd());
        }
    }

    /** `stty -a` printed last shows line editing and echo back on (raw mode would show -icanon -echo). */
    private static void assertCookedAfterwards(String output) {
        String settings = output.substring(output.lastIndexOf("speed"));
        assertTrue(Pattern.compile("(^|\\s)icanon(\\s|$)").matcher(settings).find(), settings);
        assertTrue(Pattern.compile("(^|\\s)echo(\\s|$)").matcher(settings).find(), settings);
        assertTrue(Pattern.compile("(^|\\s)isig(\\s|$)").matcher(settings).find(), settings);
    }

    /**
     * A shell command run on a fresh pseudo-terminal by util-linux script(1), typed into through
     * script's stdin and read back (with the terminal's \r\n turned into \n only for searching).
     */
    private static final class TerminalSession implements AutoCloseable {
        private final Process process;
        private final ByteArrayOutputStream output = new ByteArrayOutputStream();
        private final OutputStream keys;

        private TerminalSession(Process process) {
            this.process = process;
            this.keys = process.getOutputStream();
            Thread.ofVirtual().start(() -> collect(process.getInputStream()));
        }

        static TerminalSession start(String client, String command) throws IOException {
            ProcessBuilder builder = new ProcessBuilder("script", "-qfec", command, "/dev/null").redirectErrorStream(true);
            builder.environment().putAll(client.equals("berth") ? Map.of("BERTH_HOST", daemon.host()) : dockerEnvironment());
            builder.environment().put("TERM", "xterm");
            return new TerminalSession(builder.start());
        }

        private void collect(InputStream in) {
            byte[] buffer = new byte[4096];
            try (in) {
                int read;
                while ((read = in.read(buffer)) != -1) {
                    synchronized (output) {
                        output.write(buffer, 0, read);
                        output.notifyAll();
                    }
                }
            } catch (IOException ended) {
                // The session ended.
            }
        }

        String text() {
            synchronized (output) {
                return output.toString(StandardCharsets.UTF_8);
            }
        }

        /** Waits until the output contains the text; returns the output so far. */
        String await(String text) throws InterruptedException {
            Instant deadline = Instant.now().plus(PTY_TIMEOUT);
            synchronized (output) {
                while (!text().contains(text)) {
                    long left = Duration.between(Instant.now(), deadline).toMillis();
                    if (left <= 0) {
                        fail("no \"" + text.replace("\r", "\\r").replace("\n", "\\n") + "\" on the terminal within "
                                + PTY_TIMEOUT + ":\n" + text() + "\n--- berthd log tail ---\n" + tail(daemon.log()));
                    }
                    output.wait(Math.min(left, 200));
                }
                return text();
            }
        }

        void type(String text) throws IOException, InterruptedException {
            // Key by key, as a person types: a terminal program sees each key as its own read.
            for (byte key : text.getBytes(StandardCharsets.UTF_8)) {
                keys.write(key);
                keys.flush();
                Thread.sleep(5);
            }
        }

        /**
         * Resizes the session's terminal as a terminal emulator would; the kernel then sends SIGWINCH
         * to the client, which runs in the terminal's foreground process group.
         */
        void resize(int rows, int columns) throws IOException, InterruptedException {
            ProcessHandle shell = process.children().findFirst().orElseThrow();
            Path terminal = Files.readSymbolicLink(Path.of("/proc", Long.toString(shell.pid()), "fd", "1"));
            Process stty = new ProcessBuilder("stty", "-F", terminal.toString(), "rows", Integer.toString(rows),
                    "cols", Integer.toString(columns)).inheritIO().start();
            assertEquals(0, stty.waitFor());
            // The client handles the signal on its own thread; give its resize call time to land.
            Thread.sleep(500);
        }

        /** Waits for the shell command to finish and returns everything it printed. */
        String awaitEnd() throws InterruptedException {
            assertTrue(process.waitFor(PTY_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the session did not end:\n" + text());
            return text();
        }

        @Override
        public void close() throws IOException {
            keys.close();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }

        private static String tail(String log) {
            List<String> lines = new ArrayList<>(log.lines().toList());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        }
    }
}
