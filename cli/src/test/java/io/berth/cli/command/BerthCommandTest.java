package io.berth.cli.command;

import io.berth.api.model.ContainerConfig;
import io.berth.cli.testing.ScriptedDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BerthCommandTest {
    private static final String UNREACHABLE = "unix:///nonexistent/berth-cli-test.sock";
    private static final String ID = "abc123abc123" + "0".repeat(52);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private ScriptedDaemon daemon;

    @AfterEach
    void stop() throws IOException {
        if (daemon != null) {
            daemon.close();
        }
    }

    private int berth(Map<String, String> environment, String... args) {
        return BerthCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), environment);
    }

    private int berthAgainst(Function<ScriptedDaemon.Request, byte[]> script, String... args) throws IOException {
        if (daemon != null) daemon.close(); // a test may run several commands, each against a fresh daemon
        daemon = new ScriptedDaemon(request -> request.path().equals("/_ping")
                ? ScriptedDaemon.respond(200, "text/plain", "OK") : script.apply(request));
        return berth(Map.of("BERTH_HOST", daemon.host()), args);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unknownFlagsNameThemselvesAndExit125() {
        assertEquals(125, berth(Map.of(), "ps", "--foo"));
        assertTrue(stderr().startsWith("unknown flag: --foo\n"), stderr());
        assertTrue(stderr().contains("Run 'berth ps --help' for more information"), stderr());
        err.reset();
        assertEquals(125, berth(Map.of(), "ps", "-z"));
        assertTrue(stderr().startsWith("unknown shorthand flag: 'z' in -z"), stderr());
    }

    @Test
    void missingArgumentsAndUnknownCommandsExit1() {
        assertEquals(1, berth(Map.of(), "rm"));
        assertTrue(stderr().startsWith("berth: 'berth rm' requires at least 1 argument"), stderr());
        err.reset();
        assertEquals(1, berth(Map.of(), "frob"));
        assertTrue(stderr().startsWith("berth: unknown command: berth frob"), stderr());
    }

    @Test
    void anUnreachableDaemonIsNamed() {
        assertEquals(1, berth(Map.of("BERTH_HOST", UNREACHABLE), "ps"));
        assertEquals("Cannot connect to the Berth daemon at " + UNREACHABLE + ". Is the berth daemon running?\n", stderr());
        err.reset();
        assertEquals(125, berth(Map.of("DOCKER_HOST", UNREACHABLE), "run", "busybox"));
        assertTrue(stderr().startsWith("berth: Cannot connect to the Berth daemon at " + UNREACHABLE), stderr());
    }

    @Test
    void aBadHostIsExplained() {
        assertEquals(1, berth(Map.of(), "-H", "http://localhost", "ps"));
        assertTrue(stderr().startsWith("invalid daemon address \"http://localhost\""), stderr());
    }

    @Test
    void runFlagsBecomeTheCreateBody() {
        BerthCommand root = new BerthCommand(System.out, System.err, Map.of("FROM_ENV", "x"));
        String[] args = {"run", "--rm", "-e", "A=1", "-e", "FROM_ENV", "-e", "UNSET",
                "-l", "k=v", "-p", "127.0.0.1:8080:80", "-m", "512m", "--cpus", "1.5", "-w", "/w", "-h", "box",
                "--entrypoint", "sh", "busybox", "-c", "echo --not-a-flag"};
        CommandLine.ParseResult parsed = BerthCommand.commandLine(root, args).parseArgs(args);
        RunCommand run = (RunCommand) parsed.subcommand().commandSpec().userObject();
        ContainerConfig config = run.containerConfig();
        assertEquals("busybox", config.image());
        assertEquals(List.of("-c", "echo --not-a-flag"), config.cmd());
        assertEquals(List.of("sh"), config.entrypoint());
        assertEquals(List.of("A=1", "FROM_ENV=x"), config.env());
        assertEquals(Map.of("k", "v"), config.labels());
        assertEquals("/w", config.workingDir());
        assertEquals("box", config.hostname());
        assertEquals(Boolean.TRUE, config.attachStdout());
        assertEquals(Boolean.TRUE, config.hostConfig().autoRemove());
        assertEquals(512L * 1024 * 1024, config.hostConfig().memory());
        assertEquals(1_500_000_000L, config.hostConfig().nanoCpus());
        assertEquals("8080", config.hostConfig().portBindings().get("80/tcp").getFirst().hostPort());
        assertEquals("127.0.0.1", config.hostConfig().portBindings().get("80/tcp").getFirst().hostIp());
        assertTrue(config.exposedPorts().containsKey("80/tcp"));
    }

    @Test
    void isolationAndResourceFlagsBecomeHostConfigFields() throws IOException {
        java.nio.file.Path profile = java.nio.file.Files.createTempFile("profile", ".json");
        try {
            java.nio.file.Files.writeString(profile, "{ \"defaultAction\" : \"SCMP_ACT_ALLOW\" }\n");
            BerthCommand root = new BerthCommand(System.out, System.err, Map.of());
            String[] args = {"create", "-m", "32m", "--memory-swap", "-1", "--memory-reservation", "16m", "--cpu-shares", "512",
                    "--cpu-quota", "50000", "--cpu-period", "100000", "--cpuset-cpus", "0-1", "--pids-limit", "10",
                    "--blkio-weight", "300", "--oom-kill-disable", "--cap-add", "NET_ADMIN", "--cap-drop", "ALL",
                    "--privileged", "--security-opt", "seccomp=" + profile, "--security-opt", "no-new-privileges",
                    "--read-only", "--tmpfs", "/run:size=64m", "--ulimit", "nofile=1024:2048", "-u", "nobody",
                    "--group-add", "audio", "--pid", "host", "--ipc", "host", "--uts", "host", "--userns", "host", "--network", "host", "--init",
                    "--device", "/dev/fuse", "busybox"};
            CommandLine.ParseResult parsed = BerthCommand.commandLine(root, args).parseArgs(args);
            var h = ((CreateCommand) parsed.subcommand().commandSpec().userObject()).containerConfig().hostConfig();
            assertEquals(32L << 20, h.memory());
            assertEquals(-1L, h.memorySwap());
            assertEquals(16L << 20, h.memoryReservation());
            assertEquals(512L, h.cpuShares());
            assertEquals(50000L, h.cpuQuota());
            assertEquals(100000L, h.cpuPeriod());
            assertEquals("0-1", h.cpusetCpus());
            assertEquals(10L, h.pidsLimit());
            assertEquals(300, h.blkioWeight());
            assertEquals(Boolean.TRUE, h.oomKillDisable());
            assertEquals(List.of("NET_ADMIN"), h.capAdd());
            assertEquals(List.of("ALL"), h.capDrop());
            assertEquals(Boolean.TRUE, h.privileged());
            assertEquals(List.of("seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "no-new-privileges"), h.securityOpt());
            assertEquals(Boolean.TRUE, h.readonlyRootfs());
            assertEquals(Map.of("/run", "size=64m"), h.tmpfs());
            assertEquals("nofile", h.ulimits().getFirst().name());
            assertEquals(1024L, h.ulimits().getFirst().soft());
            assertEquals(2048L, h.ulimits().getFirst().hard());
            assertEquals(List.of("audio"), h.groupAdd());
            assertEquals("host", h.pidMode());
            assertEquals("host", h.ipcMode());
            assertEquals("host", h.usernsMode());
            assertEquals("host", h.utsMode());
            assertEquals("host", h.networkMode());
            assertEquals(Boolean.TRUE, h.init());
            assertEquals("/dev/fuse", h.devices().getFirst().pathInContainer());
            assertEquals("rwm", h.devices().getFirst().cgroupPermissions());
        } finally {
            java.nio.file.Files.delete(profile);
        }
    }

    @Test
    void badIsolationFlagValuesExit125NamingTheFlag() {
        assertEquals(125, berth(Map.of(), "-H", UNREACHABLE, "run", "--ulimit", "nofile=2048:1024", "busybox"));
        assertTrue(stderr().contains("--ulimit"), stderr());
        err.reset();
        assertEquals(125, berth(Map.of(), "-H", UNREACHABLE, "run", "--security-opt", "seccomp=/nonexistent/p.json", "busybox"));
        assertTrue(stderr().contains("seccomp profile (/nonexistent/p.json)"), stderr());
        err.reset();
        assertEquals(125, berth(Map.of(), "-H", UNREACHABLE, "run", "--cpus", "lots", "busybox"));
        assertTrue(stderr().contains("--cpus"), stderr());
    }

    @Test
    void lifecycleCommandsCallTheirEndpoints() throws IOException {
        String top = "{\"Titles\":[\"PID\",\"CMD\"],\"Processes\":[[\"42\",\"sleep 300\"]]}";
        String stats = "{\"id\":\"" + ID + "\",\"name\":\"/web\",\"pids_stats\":{\"current\":3},"
                + "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":300},\"system_cpu_usage\":2000,\"online_cpus\":2},"
                + "\"precpu_stats\":{\"cpu_usage\":{\"total_usage\":100},\"system_cpu_usage\":1000},"
                + "\"memory_stats\":{\"usage\":1048576,\"limit\":4194304}}";
        int status = berthAgainst(request -> switch (request.path().split("\\?")[0]) {
            case "/v1.41/containers/web/top" -> ScriptedDaemon.json(200, top);
            case "/v1.41/containers/web/stats" -> ScriptedDaemon.json(200, stats);
            case "/v1.41/containers/web/update" -> ScriptedDaemon.json(200, "{\"Warnings\":[]}");
            default -> ScriptedDaemon.respond(204, "text/plain", "");
        }, "top", "web", "-o", "pid,comm");
        assertEquals(0, status, stderr());
        assertEquals("PID       CMD\n42        sleep 300\n", stdout());
        assertTrue(daemon.requests().getLast().line().endsWith("/containers/web/top?ps_args=-o+pid%2Ccomm")
                || daemon.requests().getLast().line().endsWith("/containers/web/top?ps_args=-o%20pid%2Ccomm"),
                daemon.requests().getLast().line());
        out.reset();
        assertEquals(0, berth(Map.of("BERTH_HOST", daemon.host()), "stats", "--no-stream", "web"));
        String row = stdout().lines().skip(1).findFirst().orElseThrow();
        assertTrue(row.startsWith("abc123abc123   web ") && row.contains("40.00%") && row.contains("1MiB / 4MiB")
                && row.contains("25.00%") && row.endsWith("3"), stdout());
        out.reset();
        assertEquals(0, berth(Map.of("BERTH_HOST", daemon.host()), "update", "-m", "64m", "--cpus", "1", "web"));
        var update = daemon.requests().getLast();
        assertEquals("POST /v1.41/containers/web/update", update.line());
        assertEquals("{\"Memory\":67108864,\"NanoCpus\":1000000000}", new String(update.body(), StandardCharsets.UTF_8));
        for (String command : List.of("pause", "unpause", "restart")) {
            out.reset();
            assertEquals(0, berth(Map.of("BERTH_HOST", daemon.host()), command, "web"));
            assertEquals("web\n", stdout());
            assertEquals("POST /v1.41/containers/web/" + command, daemon.requests().getLast().line());
        }
    }

    @Test
    void runPullsAMissingImageThenAttachesWaitsStartsAndExitsWithTheContainersStatus() throws IOException {
        int[] creates = {0};
        int status = berthAgainst(request -> {
            String path = request.path();
            if (path.startsWith("/v1.41/containers/create")) {
                return creates[0]++ == 0 ? ScriptedDaemon.json(404, "{\"message\":\"No such image: busybox:latest\"}")
                        : ScriptedDaemon.json(201, "{\"Id\":\"" + ID + "\",\"Warnings\":[]}");
            }
            if (path.startsWith("/v1.41/images/create")) {
                return ScriptedDaemon.json(200, "{\"status\":\"Pulling from library/busybox\",\"id\":\"latest\"}\n"
                        + "{\"status\":\"Status: Downloaded newer image for busybox:latest\"}\n");
            }
            if (path.contains("/attach")) {
                return ScriptedDaemon.upgraded(ScriptedDaemon.concat(ScriptedDaemon.frame(1, "hello\n"), ScriptedDaemon.frame(2, "warn\n")));
            }
            if (path.contains("/wait")) {
                return ScriptedDaemon.json(200, "{\"StatusCode\":3}");
            }
            return ScriptedDaemon.respond(204, "text/plain", "");
        }, "run", "--rm", "busybox", "sh", "-c", "exit 3");

        assertEquals(3, status, stderr());
        assertEquals("hello\n", stdout());
        assertTrue(stderr().startsWith("Unable to find image 'busybox:latest' locally\nlatest: Pulling from library/busybox\n"), stderr());
        assertTrue(stderr().endsWith("warn\n"), stderr());
        List<String> lines = daemon.requests().stream().map(ScriptedDaemon.Request::line).toList();
        assertTrue(lines.contains("POST /v1.41/images/create?fromImage=busybox&tag=latest"), lines.toString());
        assertTrue(lines.contains("POST /v1.41/containers/" + ID + "/wait?condition=removed"), lines.toString());
        int attach = lines.indexOf("POST /v1.41/containers/" + ID + "/attach?stream=1&stdout=1&stderr=1");
        int start = lines.indexOf("POST /v1.41/containers/" + ID + "/start");
        assertTrue(attach >= 0 && start > attach, lines.toString());
    }

    @Test
    void aCommandThatCannotBeFoundExits127() throws IOException {
        int status = berthAgainst(request -> {
            if (request.path().startsWith("/v1.41/containers/create")) {
                return ScriptedDaemon.json(201, "{\"Id\":\"" + ID + "\",\"Warnings\":[]}");
            }
            if (request.path().contains("/attach")) {
                return ScriptedDaemon.upgraded(new byte[0]);
            }
            if (request.path().contains("/start")) {
                return ScriptedDaemon.json(400, "{\"message\":\"exec: \\\"nosuch\\\": executable file not found in $PATH\"}");
            }
            return ScriptedDaemon.json(200, "{\"StatusCode\":0}");
        }, "run", "busybox", "nosuch");
        assertEquals(127, status);
        assertEquals("berth: Error response from daemon: exec: \"nosuch\": executable file not found in $PATH\n", stderr());
    }

    @Test
    void rmKeepsGoingAfterAFailureAndExits1() throws IOException {
        int status = berthAgainst(request -> request.path().contains("nope")
                ? ScriptedDaemon.json(404, "{\"message\":\"No such container: nope\"}")
                : ScriptedDaemon.respond(204, "text/plain", ""), "rm", "-f", "a", "nope", "b");
        assertEquals(1, status);
        assertEquals("a\nb\n", stdout());
        assertEquals("Error response from daemon: No such container: nope\n", stderr());
        assertEquals("DELETE /v1.41/containers/a?force=1", daemon.requests().get(1).line());
    }

    @Test
    void onlyTheInvokedSubcommandIsBuiltButHelpListsAll() {
        BerthCommand root = new BerthCommand(System.out, System.err, Map.of());
        assertEquals(List.of("ps"), List.copyOf(BerthCommand.commandLine(root, new String[]{"-H", "unix:///x.sock", "ps", "-a"})
                .getSubcommands().keySet()));
        assertEquals(36, BerthCommand.commandLine(root, new String[]{"--help"}).getSubcommands().size());
        assertEquals(0, berth(Map.of(), "--help"));
        assertTrue(stdout().contains("run") && stdout().contains("images"), stdout());
    }

    @Test
    void versionPrintsClientAndServerSectionsAligned() throws IOException {
        int status = berthAgainst(request -> ScriptedDaemon.json(200, """
                {"Platform":{"Name":"Berth Engine"},"Version":"0.1.0","ApiVersion":"1.41","MinAPIVersion":"1.24",
                 "GoVersion":"java25","GitCommit":"abc","Os":"linux","Arch":"amd64","BuildTime":"2025-05-30T12:07:14Z",
                 "Components":[{"Name":"Engine","Version":"0.1.0"},{"Name":"berth-shim","Version":"1","Details":{"GitCommit":"x"}}]}"""),
                "version");
        assertEquals(0, status, stderr());
        assertTrue(stdout().startsWith("Client:\n Version:           0.1.0\n API version:       1.41 (downgraded from 1.50)\n"), stdout());
        assertTrue(stdout().contains("""

                Server: Berth Engine
                 Engine:
                  Version:          0.1.0
                  API version:      1.41 (minimum version 1.24)
                  Go version:       java25
                  Git commit:       abc
                  Built:            Fri May 30 12:07:14 2025
                  OS/Arch:          linux/amd64
                  Experimental:     false
                 berth-shim:
                  Version:          1
                  GitCommit:        x
                """), stdout());
    }

    @Test
    void inspectPrintsFoundObjectsAsOneArrayAndNamesTheMissing() throws IOException {
        int status = berthAgainst(request -> switch (request.path()) {
            case "/v1.41/containers/c1/json" -> ScriptedDaemon.json(200, "{\"Id\":\"c\",\"State\":{\"ExitCode\":3}}");
            case "/v1.41/images/busybox/json" -> ScriptedDaemon.json(200, "{\"Id\":\"sha256:i\",\"RepoTags\":[]}");
            default -> ScriptedDaemon.json(404, "{\"message\":\"No such object\"}");
        }, "inspect", "c1", "busybox", "nope");
        assertEquals(1, status);
        assertEquals("""
                [
                    {
                        "Id": "c",
                        "State": {
                            "ExitCode": 3
                        }
                    },
                    {
                        "Id": "sha256:i",
                        "RepoTags": []
                    }
                ]
                """, stdout());
        assertEquals("Error: No such object: nope\n", stderr());
    }

    @Test
    void logsDemultiplexesUnlessTheContainerHasATty() throws IOException {
        byte[] framed = ScriptedDaemon.concat(ScriptedDaemon.frame(1, "out\n"), ScriptedDaemon.frame(2, "err\n"));
        int status = berthAgainst(request -> request.path().endsWith("/json")
                ? ScriptedDaemon.json(200, "{\"Id\":\"c\",\"Config\":{\"Tty\":false}}")
                : ScriptedDaemon.respond(200, "application/vnd.docker.multiplexed-stream", new String(framed, StandardCharsets.ISO_8859_1)),
                "logs", "--tail", "2", "c");
        assertEquals(0, status, stderr());
        assertEquals("out\n", stdout());
        assertEquals("err\n", stderr());
        assertEquals("GET /v1.41/containers/c/logs?stdout=1&stderr=1&tail=2", daemon.requests().getLast().line());
    }

    @Test
    void startFailureStatusesFollowDocker() {
        assertEquals(127, AttachedStart.startFailureStatus("exec: \"x\": executable file not found in $PATH"));
        assertEquals(127, AttachedStart.startFailureStatus("open /x: no such file or directory"));
        assertEquals(126, AttachedStart.startFailureStatus("exec: \"/etc\": permission denied"));
        assertEquals(125, AttachedStart.startFailureStatus("cgroup setup failed"));
    }
}
