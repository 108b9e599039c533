package io.berth.engine;

import io.berth.engine.container.Container;
import io.berth.engine.container.ContainerState;
import io.berth.engine.container.CreateRequest;
import io.berth.engine.container.ExitResult;
import io.berth.engine.container.HostSpec;
import io.berth.engine.container.WaitCondition;
import io.berth.engine.exec.ExecRequest;
import io.berth.engine.exec.ExecSession;
import io.berth.engine.logs.LogEntry;
import io.berth.engine.logs.LogOptions;
import io.berth.engine.logs.LogStream;
import io.berth.errdefs.BerthException;
import io.berth.errdefs.ConflictException;
import io.berth.errdefs.NotFoundException;
import io.berth.image.RegistryHosts;
import io.berth.oci.reference.ImageReference;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine against the real runtime (berth-shim), the real image store and a busybox pulled from a local registry. */
class EngineTest {
    static final Path SHIM = Path.of(System.getProperty("berth.home", ".."), "native/target/bin/berth-shim").toAbsolutePath().normalize();

    static TestRegistry registry;
    static Path root;
    static EngineConfig config;
    static Engine engine;

    @BeforeAll
    static void pullBusybox() throws IOException {
        registry = TestRegistry.start();
        BusyboxImage.pushTo(registry, "library/busybox:latest");
        root = Files.createTempDirectory("berth-engine-test");
        config = new EngineConfig(root.resolve("data"), root.resolve("exec"), SHIM,
                new RegistryHosts(List.of(registry.uri()), List.of()));
        engine = Engine.open(config);
        engine.images().pull(ImageReference.parse("busybox"), progress -> {});
    }

    @AfterEach
    void removeContainers() {
        for (Container c : engine.list(true)) engine.remove(c.id(), true);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try {
            if (engine != null) engine.close();
        } finally {
            try {
                if (registry != null) registry.close();
            } finally {
                deleteTree(root);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    static Container create(String name, HostSpec host, String... cmd) {
        return engine.create(CreateRequest.of(name, "busybox", List.of(cmd), host));
    }

    static List<LogEntry> logs(String id) throws Exception {
        List<LogEntry> entries = new ArrayList<>();
        engine.logs(id, LogOptions.everything(false), entries::add);
        return entries;
    }

    static String text(List<LogEntry> entries, LogStream stream) {
        return entries.stream().filter(e -> e.stream() == stream)
                .map(e -> new String(e.payload(), StandardCharsets.UTF_8)).reduce("", String::concat);
    }

    @Test
    void runsACommandAndRecordsItsExitCodeAndOutput() throws Exception {
        Container c = create("", HostSpec.defaults(), "sh", "-c", "echo out; echo err >&2; exit 3");
        assertTrue(c.name().matches("[a-z]+_[a-z]+\\d?"), c.name());
        CompletableFuture<ExitResult> exit = engine.waitFor(c.id(), WaitCondition.NEXT_EXIT);
        assertTrue(engine.start(c.id()));
        assertEquals(3, exit.get(20, TimeUnit.SECONDS).exitCode());

        Container done = engine.inspect(c.id().substring(0, 10));
        assertEquals(ContainerState.EXITED, done.state());
        assertEquals(3, done.exitCode());
        assertTrue(done.finishedAt() != null && !done.finishedAt().isBefore(done.startedAt()));
        List<LogEntry> entries = logs(c.id());
        assertEquals("out\n", text(entries, LogStream.STDOUT));
        assertEquals("err\n", text(entries, LogStream.STDERR));

        engine.remove("/" + c.name(), false);
        assertThrows(NotFoundException.class, () -> engine.inspect(c.id()));
        assertFalse(Files.exists(config.dataRoot().resolve("containers").resolve(c.id())));
        assertFalse(Files.exists(config.dataRoot().resolve("overlay").resolve(c.id())));
    }

    @Test
    void hostnameWorkingDirAndEnvironmentReachTheProcess() throws Exception {
        Container c = engine.create(new CreateRequest("envcheck", "busybox", null,
                List.of("sh", "-c", "hostname; pwd; echo $GREETING; cat /etc/hostname"), List.of("GREETING=hello"),
                "/srv/app", null, null, null, null, false, false, false, false, true, true, null, null, HostSpec.defaults()));
        CompletableFuture<ExitResult> exit = engine.waitFor(c.id(), WaitCondition.NEXT_EXIT);
        engine.start(c.id());
        assertEquals(0, exit.get(20, TimeUnit.SECONDS).exitCode());
        String shortId = c.id().substring(0, 12);
        assertEquals(shortId + "\n/srv/app\nhello\n" + shortId + "\n", text(logs(c.id()), LogStream.STDOUT));
    }

    @Test
    void stopSendsTheStopSignalAndKillsAfterTheTimeout() throws Exception {
        Container polite = create("polite", HostSpec.defaults(), "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done");
        Container stubborn = create("stubborn", HostSpec.defaults(), "sleep", "60");
        engine.start(polite.id());
        engine.start(stubborn.id());
        Thread.sleep(200);
        assertTrue(engine.stop("polite", 10));
        assertEquals(0, engine.inspect("polite").exitCode());
        long begin = System.nanoTime();
        assertTrue(engine.stop("stubborn", 1));
        long seconds = java.time.Duration.ofNanos(System.nanoTime() - begin).toSeconds();
        assertTrue(seconds >= 1 && seconds < 5, "stop took " + seconds + " s");
        assertEquals(137, engine.inspect("stubborn").exitCode());
        assertFalse(engine.stop("stubborn", 1), "stopping a stopped container is a no-op (304)");
    }

    @Test
    void aForcedRmiDoesNotDeleteTheImageOfARunningContainer() throws Exception {
        Container c = create("busy", HostSpec.defaults(), "sleep", "60");
        engine.start(c.id());
        String imageId = engine.images().resolve("busybox").id().toString();
        ConflictException e = assertThrows(ConflictException.class, () -> engine.removeImage(imageId, true));
        assertTrue(e.getMessage().contains("running container " + c.id().substring(0, 12)), e.getMessage());
        assertEquals(imageId, engine.images().resolve("busybox").id().toString(), "the image is still there");
        assertTrue(engine.stop("busy", 1));
    }

    @Test
    void autoRemoveRemovesTheContainerAfterItExits() throws Exception {
        Container c = create("", new HostSpec(true, List.of(), null), "true");
        CompletableFuture<ExitResult> removed = engine.waitFor(c.id(), WaitCondition.REMOVED);
        engine.start(c.id());
        assertEquals(0, removed.get(20, TimeUnit.SECONDS).exitCode());
        assertTrue(engine.list(true).stream().noneMatch(x -> x.id().equals(c.id())));
        assertFalse(Files.exists(config.dataRoot().resolve("containers").resolve(c.id())));
    }

    @Test
    void aTakenNameIsAConflictAndLeavesNothingBehind() {
        Container first = create("web", HostSpec.defaults(), "true");
        ConflictException e = assertThrows(ConflictException.class, () -> create("web", HostSpec.defaults(), "true"));
        assertEquals("Conflict. The container name \"/web\" is already in use by container \"" + first.id()
                + "\". You have to remove (or rename) that container to be able to reuse that name.", e.getMessage());
        assertEquals(1, engine.list(true).size());
        assertEquals(1, countEntries(config.dataRoot().resolve("containers")));
    }

    @Test
    void anUnknownImageIsNotFoundAndCreatesNothing() {
        NotFoundException e = assertThrows(NotFoundException.class, () ->
                engine.create(CreateRequest.of("", "nosuchimage:latest", List.of("true"), HostSpec.defaults())));
        assertEquals("No such image: nosuchimage:latest", e.getMessage());
        assertEquals(0, engine.list(true).size());
        assertEquals(0, countEntries(config.dataRoot().resolve("containers")));
    }

    @Test
    void aMissingCommandFailsTheStartAndKeepsTheContainerCreatedWithTheError() {
        Container c = create("", HostSpec.defaults(), "nosuchcmd");
        BerthException e = assertThrows(BerthException.class, () -> engine.start(c.id()));
        assertTrue(e.getMessage().contains("executable file not found"), e.getMessage());
        Container after = engine.inspect(c.id());
        assertEquals(ContainerState.CREATED, after.state());
        assertEquals(127, after.exitCode());
        assertTrue(after.error().contains("nosuchcmd"), after.error());
    }

    @Test
    void attachBeforeStartStreamsTheWholeOutputAndEndsAtExit() throws Exception {
        Container c = create("", HostSpec.defaults(), "sh", "-c", "echo one; echo two >&2");
        List<LogEntry> received = new ArrayList<>();
        Engine.Attachment attachment = engine.attach(c.id(), false);
        Thread attach = Thread.ofVirtual().start(() -> {
            try {
                attachment.stream(received::add);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        engine.start(c.id());
        assertTrue(attach.join(java.time.Duration.ofSeconds(20)), "attach did not end after the exit");
        assertEquals("one\n", text(received, LogStream.STDOUT));
        assertEquals("two\n", text(received, LogStream.STDERR));
    }

    @Test
    void aRestartedEngineKeepsContainersAndWatchesTheRunningOnes() throws Exception {
        Container created = create("idle", HostSpec.defaults(), "true");
        Container running = create("sleeper", HostSpec.defaults(), "sleep", "60");
        engine.start(running.id());
        engine.close();
        engine = Engine.open(config);

        assertEquals(ContainerState.CREATED, engine.inspect("idle").state());
        Container again = engine.inspect("sleeper");
        assertEquals(ContainerState.RUNNING, again.state());
        assertEquals(running.id(), again.id());
        CompletableFuture<ExitResult> exit = engine.waitFor(running.id(), WaitCondition.NOT_RUNNING);
        engine.kill("sleeper", "KILL");
        assertEquals(137, exit.get(20, TimeUnit.SECONDS).exitCode());
        assertEquals(ContainerState.EXITED, engine.inspect(running.id()).state());
        assertEquals(2, engine.list(true).size());
        assertEquals(created.id(), engine.resolve(created.id()).id());
    }

    private static long countEntries(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- exec, stdin, log rotation -----------------------------------------------------------

    static String output(Engine.ExecRun run) throws Exception {
        List<LogEntry> entries = new ArrayList<>();
        run.stream(entries::add);
        return entries.stream().map(e -> e.stream().frameType() + ":" + new String(e.payload(), StandardCharsets.UTF_8))
                .reduce("", String::concat);
    }

    static ExecRequest execOf(String user, String dir, List<String> env, String... cmd) {
        return new ExecRequest(List.of(cmd), env, user, dir, false, false, true, true, false, "", null);
    }

    @Test
    void execRunsInTheContainerWithItsOwnUserDirectoryAndEnvironment() throws Exception {
        Container c = create("execbox", HostSpec.defaults(), "sleep", "60");
        engine.start(c.id());
        ExecSession exec = engine.createExec("execbox", execOf("nobody", "/tmp", List.of("WHO=exec"),
                "sh", "-c", "id -un; pwd; echo $WHO; hostname; echo err >&2; exit 7"));
        assertEquals(ExecSession.Phase.CREATED, exec.phase());
        try (Engine.ExecRun run = engine.startExec(exec.id(), true, null)) {
            assertEquals("1:nobody\n1:/tmp\n1:exec\n1:" + c.id().substring(0, 12) + "\n2:err\n", output(run));
        }
        assertEquals(7, exec.exit().get(10, TimeUnit.SECONDS));
        assertEquals(ExecSession.Phase.EXITED, exec.phase());
        assertEquals(7, engine.exec(exec.id()).exitCode());
        assertThrows(ConflictException.class, () -> engine.startExec(exec.id(), true, null), "an exec runs once");
        assertThrows(ConflictException.class, () -> engine.resizeExec(exec.id(), 24, 80), "resize of an exec that has ended");
        engine.stop("execbox", 1);
    }

    @Test
    void execOfAMissingCommandExitsWith127AndSaysWhy() throws Exception {
        Container c = create("", HostSpec.defaults(), "sleep", "60");
        engine.start(c.id());
        ExecSession exec = engine.createExec(c.id(), execOf("", "", List.of(), "nosuchcmd"));
        Engine.ExecStartFailure e = assertThrows(Engine.ExecStartFailure.class, () -> engine.startExec(exec.id(), true, null));
        assertTrue(e.getMessage().startsWith("OCI runtime exec failed:") && e.getMessage().contains("nosuchcmd"), e.getMessage());
        assertEquals(127, exec.exitCode());
        engine.stop(c.id(), 1);
    }

    @Test
    void execIsRefusedForAStoppedContainerAndAnUnknownExec() {
        Container c = create("", HostSpec.defaults(), "true");
        ConflictException e = assertThrows(ConflictException.class, () -> engine.createExec(c.id(), execOf("", "", List.of(), "true")));
        assertTrue(e.getMessage().contains("is not running"), e.getMessage());
        assertThrows(NotFoundException.class, () -> engine.exec("nosuchexec"));
        assertThrows(io.berth.errdefs.InvalidArgumentException.class, () -> execOf("", "relative", List.of(), "true"));
    }

    @Test
    void stdinOfAnInteractiveContainerReachesItsProcess() throws Exception {
        Container c = engine.create(new CreateRequest("", "busybox", null, List.of("cat"), null, null, null, null, null,
                null, false, true, true, true, true, true, null, null, HostSpec.defaults()));
        CompletableFuture<ExitResult> exit = engine.waitFor(c.id(), WaitCondition.NEXT_EXIT);
        engine.start(c.id());
        try (var stdin = engine.stdin(c.id())) {
            byte[] line = "typed\n".getBytes(StandardCharsets.UTF_8);
            stdin.writeStdin(line, 0, line.length);
            stdin.closeStdin();
        }
        assertEquals(0, exit.get(20, TimeUnit.SECONDS).exitCode());
        assertEquals("typed\n", text(logs(c.id()), LogStream.STDOUT));
    }

    @Test
    void aRotatedLogKeepsTheNewestLinesWithinItsBound() throws Exception {
        var log = new io.berth.engine.logs.LogConfig("json-file", java.util.Map.of("max-size", "20k", "max-file", "3"));
        HostSpec host = new HostSpec(false, List.of(), null, io.berth.engine.container.Resources.NONE,
                io.berth.engine.container.Isolation.DEFAULTS, log, null);
        Container c = create("", host, "sh", "-c", "i=0; while [ $i -lt 5000 ]; do echo line$i; i=$((i+1)); done");
        CompletableFuture<ExitResult> exit = engine.waitFor(c.id(), WaitCondition.NEXT_EXIT);
        engine.start(c.id());
        assertEquals(0, exit.get(30, TimeUnit.SECONDS).exitCode());
        Path file = config.dataRoot().resolve("containers").resolve(c.id()).resolve(c.id() + "-json.log");
        long total = 0;
        for (Path p : List.of(file, Path.of(file + ".1"), Path.of(file + ".2"))) {
            assertTrue(Files.size(p) <= 20 * 1024, p + " is " + Files.size(p));
            total += Files.size(p);
        }
        assertFalse(Files.exists(Path.of(file + ".3")));
        String[] lines = text(logs(c.id()), LogStream.STDOUT).split("\n");
        assertEquals("line4999", lines[lines.length - 1]);
        for (int i = 1; i < lines.length; i++) {
            int prev = Integer.parseInt(lines[i - 1].substring(4)), cur = Integer.parseInt(lines[i].substring(4));
            assertEquals(prev + 1, cur, "lines in order without gaps");
        }
        assertTrue(total > 40 * 1024, "three files in use: " + total);
    }
}
