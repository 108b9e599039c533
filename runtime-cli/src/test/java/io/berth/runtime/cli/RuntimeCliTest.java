package io.berth.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.berth.runtime.cli.Bundles.berthRuntime;
import static io.berth.runtime.cli.Bundles.check;
import static org.junit.jupiter.api.Assertions.*;

/** bin/berth-runtime with runc's command line, as root on the real kernel. */
@Timeout(120)
class RuntimeCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path work, root;
    private final List<String> ids = new ArrayList<>();

    @BeforeEach
    void createWorkDirectory() throws Exception {
        work = Files.createTempDirectory("berth-runtime-cli-test");
        root = work.resolve("state");
    }

    @AfterEach
    void deleteContainers() throws Exception {
        for (String id : ids) Bundles.run(work, berthRuntime(root, "delete", "--force", id));
        Bundles.deleteTree(work);
    }

    private String id() {
        ids.add("cli" + Long.toHexString(System.nanoTime()));
        return ids.getLast();
    }

    private Bundles.Result berth(Path bundle, String... args) throws Exception {
        return Bundles.run(bundle, berthRuntime(root, args));
    }

    private JsonNode state(Path bundle, String id) throws Exception {
        return JSON.readTree(check(berth(bundle, "state", id)).stdout());
    }

    @Test
    void runPrintsTheContainersOutputAndExitsWithItsStatus() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "echo out; echo err >&2; exit 3", "");
        String id = id();
        Bundles.Result result = berth(bundle, "run", id);
        assertEquals(new Bundles.Result(3, "out\n", "err\n"), result);
        assertEquals(1, berth(bundle, "state", id).exitCode(), "run deletes the container it waited for");
    }

    @Test
    void createStopsBeforeTheProcessRunsAndStartReleasesIt() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "echo ran > /ran; sleep 30", "s['root']['readonly'] = False");
        String id = id();
        Path pidFile = work.resolve("pid");
        check(berth(bundle, "create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), id));
        JsonNode created = state(bundle, id);
        assertEquals("created", created.get("status").asText());
        assertEquals(Files.readString(pidFile), created.get("pid").asText());
        assertEquals(bundle.toString(), created.get("bundle").asText());
        Thread.sleep(200);
        assertFalse(Files.exists(bundle.resolve("rootfs/ran")), "nothing ran before start");

        check(berth(bundle, "start", id));
        for (int i = 0; i < 500 && !Files.exists(bundle.resolve("rootfs/ran")); i++) Thread.sleep(10);
        assertTrue(Files.exists(bundle.resolve("rootfs/ran")));
        assertEquals("running", state(bundle, id).get("status").asText());
        assertEquals(1, berth(bundle, "start", id).exitCode(), "a running container cannot be started again");
        assertEquals(1, berth(bundle, "delete", id).exitCode(), "a running container is deleted only with --force");

        check(berth(bundle, "kill", id, "KILL"));
        for (int i = 0; i < 500 && !state(bundle, id).get("status").asText().equals("stopped"); i++) Thread.sleep(10);
        assertEquals("stopped", state(bundle, id).get("status").asText());
        check(berth(bundle, "delete", id));
        assertEquals(1, berth(bundle, "state", id).exitCode());
    }

    @Test
    void psListsEveryProcessAndKillAllSignalsThemAll() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "sleep 30 & sleep 30 & wait", "");
        String id = id();
        check(berth(bundle, "run", "-d", id));
        JsonNode pids = JSON.readTree("[]");
        for (int i = 0; i < 500 && pids.size() < 3; i++) pids = JSON.readTree(check(berth(bundle, "ps", "--format", "json", id)).stdout());
        assertEquals(3, pids.size(), pids.toString());
        check(berth(bundle, "pause", id));
        assertEquals("paused", state(bundle, id).get("status").asText());
        check(berth(bundle, "resume", id));
        assertEquals("running", state(bundle, id).get("status").asText());
        check(berth(bundle, "kill", "--all", id, "9"));
        for (int i = 0; i < 500 && !state(bundle, id).get("status").asText().equals("stopped"); i++) Thread.sleep(10);
        assertEquals("stopped", state(bundle, id).get("status").asText());
    }

    @Test
    void badInputIsRefusedWithAMessageAndLeavesNothingBehind() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "true", "s['process']['args'] = ['/no/such/command']");
        String id = id();
        Bundles.Result missing = berth(bundle, "run", id);
        assertEquals(1, missing.exitCode());
        assertTrue(missing.stderr().contains("/no/such/command"), missing.stderr());
        assertFalse(Files.exists(root.resolve(id)), "no state left");
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/pids/berth", id)), "no cgroup left");
        assertTrue(berth(bundle, "kill", "nope", "NOSUCHSIGNAL").stderr().contains("unknown signal"));
        assertTrue(berth(bundle, "state", "nope").stderr().contains("does not exist"));
        Files.writeString(bundle.resolve("config.json"), "{ not json");
        assertTrue(berth(bundle, "create", id).stderr().contains("malformed config.json"));
    }
    @Test
    void execRunsAProcessInsideTheRunningContainer() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "echo inside > /marker; sleep 30", "s['root']['readonly'] = False\ns['hostname'] = 'execd'");
        String id = id();
        check(berth(bundle, "run", "-d", id));
        for (int i = 0; i < 500 && !Files.exists(bundle.resolve("rootfs/marker")); i++) Thread.sleep(10);
        Bundles.Result result = berth(bundle, "exec", "-e", "GREETING=hi", id, "sh", "-c",
                "hostname; cat /marker; echo $GREETING; grep -c . /proc/1/cmdline; exit 4");
        assertEquals(new Bundles.Result(4, "execd\ninside\nhi\n1\n", ""), result,
                "its hostname, its root, pid 1 visible: the container's namespaces");
        JsonNode pids = JSON.readTree(check(berth(bundle, "ps", "--format", "json", id)).stdout());
        assertEquals(1, pids.size(), "the exec'd process has gone: " + pids);

        Path process = work.resolve("process.json");
        Files.writeString(process, "{\"args\": [\"sh\", \"-c\", \"pwd; id -u\"], \"cwd\": \"/bin\", \"user\": {\"uid\": 1000, \"gid\": 1000},"
                + " \"env\": [\"PATH=/bin\"]}");
        assertEquals(new Bundles.Result(0, "/bin\n1000\n", ""), berth(bundle, "exec", "--process", process.toString(), id));
    }
    @Test
    void aForegroundRunForwardsSignalsToTheContainer() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "trap 'echo got-term; exit 5' TERM; echo ready; while :; do sleep 0.05; done", "");
        String id = id();
        Path out = work.resolve("run.out");
        java.lang.Process run = new ProcessBuilder(berthRuntime(root, "run", id)).directory(bundle.toFile())
                .redirectOutput(out.toFile()).redirectErrorStream(true).start();
        for (int i = 0; i < 1000 && !(Files.exists(out) && Files.readString(out).contains("ready")); i++) Thread.sleep(10);
        run.toHandle().destroy(); // SIGTERM to berth-runtime itself
        assertTrue(run.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(5, run.exitValue(), Files.readString(out));
        assertEquals("ready\ngot-term\n", Files.readString(out));
    }

    @Test
    void nothingOfTheRuntimeStaysWithADetachedContainerWhichIsStoppedOnceItsPidIsGone() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "sleep 30", "");
        String id = id();
        check(berth(bundle, "run", "-d", id));
        int pid = state(bundle, id).get("pid").asInt();
        String parent = Files.readString(Path.of("/proc", Integer.toString(parentOf(pid)), "cmdline"));
        assertFalse(parent.contains("berth-shim") || parent.contains("io.berth"), "pid 1 went to the caller's subreaper, not to " + parent);
        assertEquals(List.of("oci.json"), listing(root.resolve(id)), "no exit file, plan or report: nothing keeps the container's exit");

        check(berth(bundle, "kill", id, "KILL"));
        for (int i = 0; i < 500 && !state(bundle, id).get("status").asText().equals("stopped"); i++) Thread.sleep(10);
        assertEquals("stopped", state(bundle, id).get("status").asText(), "stopped once pid 1 is gone, without an exit file");
        assertEquals(1, berth(bundle, "kill", id, "TERM").exitCode(), "a stopped container cannot be signalled");
        check(berth(bundle, "delete", id));
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/pids/berth", id)), "its cgroup is gone");
    }

    @Test
    void hooksRunInTheirPhasesWithTheStateAndTheirOwnArgv0() throws Exception {
        Path out = work.resolve("hooks");
        Files.createDirectories(out);
        String hook = "{'path': '/bin/sh', 'args': ['%s', '-c', 'cat > %s/%s.json; tr \"\\\\0\" \" \" < /proc/$$/cmdline > %s/%s.argv']}";
        Path bundle = Bundles.create(work.resolve("b"), "echo ran", "s['hooks'] = {"
                + "'prestart': [" + hook.formatted("pre-argv0", out, "prestart", out, "prestart") + "],"
                + "'poststart': [" + hook.formatted("post-argv0", out, "poststart", out, "poststart") + "],"
                + "'poststop': [" + hook.formatted("stop-argv0", out, "poststop", out, "poststop") + "]}");
        String id = id();
        assertEquals(new Bundles.Result(0, "ran\n", ""), berth(bundle, "run", id));
        JsonNode prestart = JSON.readTree(Files.readString(out.resolve("prestart.json")));
        assertEquals("created", prestart.get("status").asText(), "prestart runs before the process may exec");
        assertEquals(id, prestart.get("id").asText());
        assertTrue(prestart.get("pid").asInt() > 0);
        assertEquals("running", JSON.readTree(Files.readString(out.resolve("poststart.json"))).get("status").asText());
        assertEquals("stopped", JSON.readTree(Files.readString(out.resolve("poststop.json"))).get("status").asText());
        assertTrue(Files.readString(out.resolve("prestart.argv")).startsWith("pre-argv0 -c "), Files.readString(out.resolve("prestart.argv")));
    }

    @Test
    void aFailingPrestartHookFailsTheStartAndLeavesNothingBehind() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "echo must-not-run",
                "s['hooks'] = {'prestart': [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo no network; exit 3']}]}");
        String id = id();
        Bundles.Result result = berth(bundle, "run", id);
        assertEquals(1, result.exitCode());
        assertEquals("", result.stdout(), "the process never ran");
        assertTrue(result.stderr().contains("prestart hook /bin/sh exited with 3: no network"), result.stderr());
        assertFalse(Files.exists(root.resolve(id)), "no state left");
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/pids/berth", id)), "no cgroup left");
    }

    private static int parentOf(int pid) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status")))
            if (line.startsWith("PPid:")) return Integer.parseInt(line.substring(5).strip());
        throw new IllegalStateException("no PPid in /proc/" + pid + "/status");
    }

    private static List<String> listing(Path dir) throws java.io.IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aCreatedContainerIsDeletedWithoutForce() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "true", "");
        String id = id();
        check(berth(bundle, "create", id));
        check(berth(bundle, "delete", id));
        assertEquals(1, berth(bundle, "state", id).exitCode());
    }

    @Test
    void aTerminalsMasterGoesToTheConsoleSocket() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "tty; read line; echo got-$line", "s['process']['terminal'] = True");
        String id = id();
        Path socket = work.resolve("console.sock");
        try (ConsoleSocket console = ConsoleSocket.listen(socket)) {
            check(berth(bundle, "run", "-d", "--console-socket", socket.toString(), id));
            ConsoleSocket.Console received = console.receive();
            try {
                assertEquals("/dev/pts/0", received.name());
                ConsoleSocket.write(received.master(), "typed\n");
                assertEquals("/dev/pts/0\r\ntyped\r\ngot-typed\r\n", ConsoleSocket.readAll(received.master(), 10_000),
                        "the container's own pty, its output, the echo of the input and the answer");
            } finally {
                ConsoleSocket.close(received.master());
            }
        }
        for (int i = 0; i < 500 && !state(bundle, id).get("status").asText().equals("stopped"); i++) Thread.sleep(10);
        assertEquals("stopped", state(bundle, id).get("status").asText());
    }

    @Test
    void aDetachedExecWithATerminalSendsItsMasterToTheConsoleSocket() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "sleep 30", "");
        String id = id();
        check(berth(bundle, "run", "-d", id));
        Path socket = work.resolve("exec.sock");
        try (ConsoleSocket console = ConsoleSocket.listen(socket)) {
            Path process = work.resolve("process.json");
            Files.writeString(process, "{\"terminal\": true, \"consoleSize\": {\"height\": 25, \"width\": 90},"
                    + " \"args\": [\"sh\", \"-c\", \"tty; stty size\"], \"cwd\": \"/\", \"env\": [\"PATH=/bin\"]}");
            check(berth(bundle, "exec", "-d", "--console-socket", socket.toString(), "--process", process.toString(), id));
            ConsoleSocket.Console received = console.receive();
            try {
                assertEquals("/dev/pts/0\r\n25 90\r\n", ConsoleSocket.readAll(received.master(), 10_000));
            } finally {
                ConsoleSocket.close(received.master());
            }
        }
        // In the foreground, the waiting shim relays the terminal through this runtime's own stdio, as runc does.
        Bundles.Result foreground = berth(bundle, "exec", "-t", id, "sh", "-c", "tty; exit 4");
        assertEquals(new Bundles.Result(4, "/dev/pts/0\r\n", ""), foreground);
    }

    @Test
    void aForegroundRunWithATerminalIsRelayedThroughTheRuntimesStdio() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "tty; read line; echo \"got $line\"; exit 5", "s['process']['terminal'] = True");
        String id = id();
        Bundles.Result result = Bundles.run(bundle, berthRuntime(root, "run", id), "typed\n");
        assertEquals(5, result.exitCode(), result.toString());
        // the pty's output mode turns \n into \r\n; its echo of the typed line may come before or after tty's answer
        assertTrue(result.stdout().contains("/dev/pts/0\r\n") && result.stdout().contains("got typed\r\n"), result.toString());
        assertFalse(Files.exists(root.resolve(id)), "run deletes the container it waited for, console socket included");
    }

    @Test
    void aDetachedTerminalWithoutConsoleSocketIsRefusedAsByRunc() throws Exception {
        Path bundle = Bundles.create(work.resolve("b"), "true", "s['process']['terminal'] = True");
        String id = id();
        for (List<String> command : List.of(List.of("create", id), List.of("run", "-d", id))) {
            Bundles.Result refused = berth(bundle, command.toArray(String[]::new));
            assertEquals(1, refused.exitCode());
            assertEquals("berth-runtime: cannot allocate tty if runc will detach without setting console socket\n", refused.stderr());
            assertFalse(Files.exists(root.resolve(id)), "no state left");
            // the plan is refused while the cgroup is being made beside it: none of its hierarchies may keep it
            for (String hierarchy : List.of("blkio", "cpu", "freezer", "memory", "pids"))
                assertFalse(Files.exists(Path.of("/sys/fs/cgroup", hierarchy, "berth", id)), "no cgroup left in " + hierarchy);
        }
        Path plain = Bundles.create(work.resolve("plain"), "true", "");
        Bundles.Result noTerminal = berth(plain, "run", "-d", "--console-socket", work.resolve("c.sock").toString(), id);
        assertEquals("berth-runtime: cannot use console socket if runc will not detach or allocate tty\n", noTerminal.stderr());
    }
}
