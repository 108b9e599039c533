package io.berth.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.linux.LinuxException;
import io.berth.linux.Syscalls;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.cgroup.CgroupDriver;
import io.berth.runtime.spec.SpecDefaults;
import io.berth.runtime.stdio.ControlChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Step 3 on the real kernel: terminals, stdin through the control socket, resize, log rotation, for containers and execs. */
@Timeout(60)
class StdioTest {
    private static final Path SHIM = Path.of(System.getProperty("berth.shim", "../native/target/bin/berth-shim"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CGROUP_PARENT = "berth-stdio-test-" + ProcessHandle.current().pid();
    private static Path busybox;

    private Path work;
    private Path stateRoot;
    private ContainerRuntime runtime;
    private final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void buildBusyboxRootfs() throws Exception {
        busybox = BusyboxRootfs.create();
    }

    @AfterAll
    static void removeBusyboxRootfsAndCgroupParent() throws IOException {
        BusyboxRootfs.deleteTree(busybox);
        CgroupDriver.detect().remove(CGROUP_PARENT);
    }

    @BeforeEach
    void createRuntime() throws IOException {
        work = Files.createTempDirectory("berth-stdio-test");
        stateRoot = work.resolve("state");
        runtime = new ContainerRuntime(SHIM, stateRoot);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (String id : ids) {
            var process = runtime.find(id);
            if (process.isPresent() && !process.get().exit().isDone()) {
                try {
                    Syscalls.kill(process.get().pid(), 9);
                } catch (LinuxException e) {
                    // it exited meanwhile
                }
                process.get().exit().get(10, TimeUnit.SECONDS);
            }
            if (Files.exists(stateRoot.resolve(id))) runtime.delete(id);
        }
        runtime.close();
        assertSocketsGone();
        BusyboxRootfs.deleteTree(work);
    }

    /** Every monitor has exited by now, and none may leave its control socket behind. */
    private void assertSocketsGone() throws IOException {
        Path sockets = stateRoot.resolve("s");
        if (!Files.isDirectory(sockets)) return;
        try (Stream<Path> left = Files.list(sockets)) {
            assertEquals(List.of(), left.toList(), "control sockets left behind");
        }
    }

    private String newId() {
        ids.add("s" + Long.toHexString(System.nanoTime()));
        return ids.getLast();
    }

    private Path log(String id) {
        return work.resolve(id + ".log");
    }

    private Spec spec(String id, Process.ConsoleSize terminal, String... args) {
        Spec base = SpecDefaults.spec(busybox.toString(), List.of(args), "stdio-test", CGROUP_PARENT + "/" + id);
        return new Spec(base.ociVersion(), process(base.process(), terminal, args), base.root(), base.hostname(), null,
                base.mounts(), base.linux(), null);
    }

    /** {@code base} running {@code args}, with a terminal of that size when {@code terminal} is not null. */
    private static Process process(Process base, Process.ConsoleSize terminal, String... args) {
        return new Process(terminal != null, terminal, base.user(), List.of(args), null, base.env(), base.cwd(),
                base.capabilities(), base.rlimits(), base.noNewPrivileges(), null, null, null);
    }

    private ContainerProcess start(Process.ConsoleSize terminal, boolean openStdin, String... args) throws StartFailure {
        String id = newId();
        return runtime.start(id, spec(id, terminal, args), List.of(), new ProcessIo(log(id), null, openStdin));
    }

    /** The log's stdout text, terminal line endings (\r\n) made plain. */
    private static String stdout(Path log) throws IOException {
        StringBuilder out = new StringBuilder();
        if (!Files.exists(log)) return "";
        for (String line : Files.readAllLines(log)) {
            JsonNode entry = JSON.readTree(line);
            if (entry.get("stream").asText().equals("stdout")) out.append(entry.get("log").asText());
        }
        return out.toString().replace("\r\n", "\n");
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 1000 && !condition.getAsBoolean(); i++) Thread.sleep(10);
        assertTrue(condition.getAsBoolean(), what);
    }

    private static boolean logContains(Path log, String text) {
        try {
            return stdout(log).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aTerminalContainerSitsOnItsOwnPtsZeroWithTheConsoleSize() throws Exception {
        ContainerProcess c = start(new Process.ConsoleSize(30, 100), false,
                "sh", "-c", "tty; stty size; [ /dev/console -ef /dev/pts/0 ] && echo console; [ -t 0 ] && echo stdin-is-tty");
        assertEquals(0, c.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals("/dev/pts/0\n30 100\nconsole\nstdin-is-tty\n", stdout(log(c.id())));
    }

    @Test
    void aTerminalWorksInAUserNamespaceAndBelongsToTheProcesssUser() throws Exception {
        String id = newId();
        Spec base = spec(id, new Process.ConsoleSize(24, 80), "sh", "-c", "tty; stat -c %u $(tty); id -u");
        Process p = base.process();
        Process asUser = new Process(true, p.consoleSize(), new Process.User(1000, 1000, null, null, null), p.args(), null, p.env(),
                p.cwd(), p.capabilities(), p.rlimits(), p.noNewPrivileges(), null, null, null);
        var l = base.linux();
        List<io.berth.oci.runtime.Linux.Namespace> namespaces = new ArrayList<>(l.namespaces());
        namespaces.add(new io.berth.oci.runtime.Linux.Namespace("user", null));
        List<io.berth.oci.runtime.Linux.IdMapping> map = List.of(new io.berth.oci.runtime.Linux.IdMapping(0, 100000, 65536));
        var linux = new io.berth.oci.runtime.Linux(namespaces, map, map, l.sysctl(), l.resources(), l.cgroupsPath(), l.seccomp(),
                l.rootfsPropagation(), l.maskedPaths(), l.readonlyPaths(), l.devices(), l.mountLabel(), l.personality());
        Spec spec = new Spec(base.ociVersion(), asUser, base.root(), base.hostname(), null, base.mounts(), linux, null);
        ContainerProcess c = runtime.start(id, spec, List.of(), ProcessIo.logTo(log(id)));
        assertEquals(0, c.exit().get(10, TimeUnit.SECONDS).exitCode(), stdout(log(id)));
        assertEquals("/dev/pts/0\n1000\n1000\n", stdout(log(id)));
    }

    @Test
    void aNonRootProcessCanReopenItsStdioAsWithRunc() throws Exception {
        String id = newId();
        Spec base = spec(id, null, "sh", "-c", "echo via-dev-stdout > /dev/stdout; echo via-dev-stderr > /dev/stderr; cat /dev/stdin");
        Process p = base.process();
        Process asUser = new Process(false, null, new Process.User(1000, 1000, null, null, null), p.args(), null, p.env(),
                p.cwd(), p.capabilities(), p.rlimits(), p.noNewPrivileges(), null, null, null);
        Spec spec = new Spec(base.ociVersion(), asUser, base.root(), base.hostname(), null, base.mounts(), base.linux(), null);
        ContainerProcess c = runtime.start(id, spec, List.of(), new ProcessIo(log(id), null, true));
        try (ControlChannel control = runtime.openControl(id)) {
            control.writeStdin("via-dev-stdin\n".getBytes(StandardCharsets.UTF_8), 0, 14);
            control.closeStdin();
        }
        assertEquals(0, c.exit().get(10, TimeUnit.SECONDS).exitCode(), Files.readString(log(id)));
        assertEquals("via-dev-stdout\nvia-dev-stdin\n", stdout(log(id)));
        assertTrue(Files.readString(log(id)).contains("via-dev-stderr"));
    }

    @Test
    void aResizeThroughTheControlChannelReachesTheTerminal() throws Exception {
        ContainerProcess c = start(new Process.ConsoleSize(24, 80), false, "sh", "-c", "while :; do stty size; sleep 0.05; done");
        await("initial size", () -> logContains(log(c.id()), "24 80\n"));
        try (ControlChannel control = runtime.openControl(c.id())) {
            control.resize(50, 132);
        }
        await("resized", () -> logContains(log(c.id()), "50 132\n"));
        assertThrows(InvalidArgumentException.class, () -> {
            try (ControlChannel control = runtime.openControl(c.id())) {
                control.resize(70000, 10);
            }
        });
    }

    @Test
    void stdinSentThroughTheControlChannelReachesCatAndClosingItEndsCat() throws Exception {
        ContainerProcess c = start(null, true, "cat");
        try (ControlChannel control = runtime.openControl(c.id())) {
            byte[] data = "hello\nworld\n".getBytes(StandardCharsets.UTF_8);
            control.writeStdin(data, 0, 6);
            control.writeStdin(data, 6, 6);
            control.closeStdin();
        }
        assertEquals(0, c.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals("hello\nworld\n", stdout(log(c.id())));
    }

    @Test
    void manyMegabytesOfStdinArriveIntactThroughTheBoundedBuffer() throws Exception {
        byte[] data = new byte[64 << 20];
        new java.util.Random(42).nextBytes(data);
        String expected = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(data));
        ContainerProcess c = start(null, true, "md5sum");
        long begin = System.nanoTime();
        try (ControlChannel control = runtime.openControl(c.id())) {
            control.writeStdin(data, 0, data.length);
            control.closeStdin();
        }
        assertEquals(0, c.exit().get(30, TimeUnit.SECONDS).exitCode());
        double seconds = (System.nanoTime() - begin) / 1e9;
        System.out.printf("stdin through the control socket into md5sum: %d MiB in %.2f s, %.0f MiB/s%n", data.length >> 20, seconds,
                (data.length >> 20) / seconds);
        assertEquals(expected + "  -\n", stdout(log(c.id())));
    }

    @Test
    void concurrentWritersAreAllHeardInFull() throws Exception {
        ContainerProcess c = start(null, true, "sh", "-c", "sleep 0.3; wc -c");
        int writers = 4, size = 4 << 20;
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            writes.add(CompletableFuture.runAsync(() -> {
                try (ControlChannel control = runtime.openControl(c.id())) {
                    for (int done = 0; done < size; done += 4096) control.writeStdin(new byte[4096], 0, 4096);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, command -> Thread.ofVirtual().start(command)));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        try (ControlChannel control = runtime.openControl(c.id())) {
            control.closeStdin();
        }
        assertEquals(0, c.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals((long) writers * size, Long.parseLong(stdout(log(c.id())).strip()), "no client was dropped, no byte lost");
    }

    @Test
    void stdinOnATerminalIsEchoedAndControlDIsEndOfInput() throws Exception {
        ContainerProcess c = start(new Process.ConsoleSize(24, 80), true, "sh", "-c", "read line; echo \"got $line\"; cat; echo eof");
        try (ControlChannel control = runtime.openControl(c.id())) {
            byte[] line = "typed\n".getBytes(StandardCharsets.UTF_8);
            control.writeStdin(line, 0, line.length);
            await("the line was read", () -> logContains(log(c.id()), "got typed"));
            control.closeStdin();
        }
        assertEquals(0, c.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals("typed\ngot typed\neof\n", stdout(log(c.id())), "the terminal echoes input, as docker run -it shows");
    }

    @Test
    void aContainerThatNeverReadsStdinDoesNotBlockItsMonitor() throws Exception {
        ContainerProcess c = start(null, true, "sh", "-c", "while :; do echo tick; sleep 0.02; done");
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (ControlChannel control = runtime.openControl(c.id())) {
                control.writeStdin(new byte[1 << 20], 0, 1 << 20);
            } catch (IOException e) {
                // the monitor went away with the container: expected once it is stopped
            }
        }, command -> Thread.ofVirtual().start(command));
        Thread.sleep(500); // the pipe, the monitor's buffer and the socket fill up meanwhile
        assertFalse(writer.isDone(), "the writer is held back: 1 MiB cannot fit anywhere");
        long ticks = stdout(log(c.id())).lines().count();
        await("output is still logged", () -> {
            try {
                return stdout(log(c.id())).lines().count() > ticks + 5;
            } catch (IOException e) {
                return false;
            }
        });
        try (ControlChannel another = runtime.openControl(c.id())) {
            another.resize(10, 10); // a new client is still accepted
        }
        runtime.kill(c.id(), 9);
        assertEquals(137, c.exit().get(10, TimeUnit.SECONDS).exitCode());
        writer.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSecondControlChannelWorksAfterTheFirstIsClosedAndFromARestartedRuntime() throws Exception {
        ContainerProcess c = start(null, true, "cat");
        try (ControlChannel first = runtime.openControl(c.id())) {
            first.writeStdin("one\n".getBytes(StandardCharsets.UTF_8), 0, 4);
        }
        await("first client's input", () -> logContains(log(c.id()), "one\n"));
        try (ContainerRuntime restarted = new ContainerRuntime(SHIM, stateRoot);
             ControlChannel second = restarted.openControl(c.id())) {
            second.writeStdin("two\n".getBytes(StandardCharsets.UTF_8), 0, 4);
            second.closeStdin();
        }
        assertEquals(0, c.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals("one\ntwo\n", stdout(log(c.id())));
        assertThrows(NotFoundException.class, () -> runtime.openControl(c.id()), "an exited container has no control socket");
    }

    @Test
    void aClientSendingAnUnknownOrOversizedFrameIsDroppedAndOthersCarryOn() throws Exception {
        ContainerProcess c = start(null, true, "cat");
        Path socket;
        try (Stream<Path> sockets = Files.list(stateRoot.resolve("s"))) {
            socket = sockets.findFirst().orElseThrow();
        }
        assertTrue(Files.getPosixFilePermissions(socket).equals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")),
                "only root may write a root container's stdin");
        for (byte[] header : List.of(new byte[]{9, 0, 0, 0, 0, 0, 0, 0}, new byte[]{0, 0, 0, 0, 0, 0x20, 0, 0})) {
            try (var raw = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
                raw.write(java.nio.ByteBuffer.wrap(header));
                assertEquals(-1, raw.read(java.nio.ByteBuffer.allocate(1)), "the monitor hung up");
            }
        }
        try (var dribbling = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
            for (byte b : new byte[]{0, 0, 0, 0, 0, 0, 0, 3, 'o', 'k', '\n'}) { // a frame may arrive in any pieces
                dribbling.write(java.nio.ByteBuffer.wrap(new byte[]{b}));
                Thread.sleep(2);
            }
        }
        await("the dribbled frame", () -> logContains(log(c.id()), "ok\n"));
        try (ControlChannel good = runtime.openControl(c.id())) {
            good.writeStdin("fine\n".getBytes(StandardCharsets.UTF_8), 0, 5);
            good.closeStdin();
        }
        assertEquals(0, c.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals("ok\nfine\n", stdout(log(c.id())));
    }

    @Test
    void rotatesTheLogLikeDockersMaxSizeAndMaxFile() throws Exception {
        String id = newId();
        Path log = log(id);
        // 30000 lines of about 100 bytes, each about 160 as a json-file entry: over 4 MB
        Spec spec = spec(id, null, "sh", "-c", "seq 1 30000 | sed 's/$/ 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567/'");
        ContainerProcess c = runtime.start(id, spec, List.of(), new ProcessIo(log, new LogRotation(100_000, 3), false));
        assertEquals(0, c.exit().get(30, TimeUnit.SECONDS).exitCode());
        try (Stream<Path> files = Files.list(work)) {
            assertEquals(List.of(id + ".log", id + ".log.1", id + ".log.2"),
                    files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(id)).sorted().toList());
        }
        for (Path file : List.of(log, Path.of(log + ".1"), Path.of(log + ".2"))) {
            long size = Files.size(file);
            // a rotated file was full: the next entry would not have fit
            assertTrue(size <= 100_000 && (file.equals(log) || size > 99_000), file + ": " + size + " bytes");
        }
        List<Integer> current = lineNumbers(log), previous = lineNumbers(Path.of(log + ".1")), oldest = lineNumbers(Path.of(log + ".2"));
        assertEquals(30000, current.getLast(), "the newest lines are in the log itself");
        assertEquals(previous.getLast() + 1, current.getFirst(), "log.1 holds the lines just before");
        assertEquals(oldest.getLast() + 1, previous.getFirst(), "log.2 the ones before those");
    }

    @Test
    void aSingleFileLogIsTruncatedInPlace() throws Exception {
        String id = newId();
        Path log = log(id);
        ContainerProcess c = runtime.start(id, spec(id, null, "seq", "1", "5000"), List.of(), new ProcessIo(log, new LogRotation(10_000, 1), false));
        assertEquals(0, c.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertFalse(Files.exists(Path.of(log + ".1")));
        assertTrue(Files.size(log) <= 10_000, Files.size(log) + " bytes");
        assertEquals(5000, lineNumbers(log).getLast());
        assertTrue(assertThrows(InvalidArgumentException.class, () -> new LogRotation(0, 1)).getMessage().contains("max-size"));
        assertTrue(assertThrows(InvalidArgumentException.class, () -> new LogRotation(1, 0)).getMessage().contains("max-file"));
    }

    private static List<Integer> lineNumbers(Path log) throws IOException {
        return stdout(log).lines().map(line -> Integer.parseInt(line.split(" ")[0])).toList();
    }

    @Test
    void anExecGetsATerminalOfItsOwn() throws Exception {
        ContainerProcess c = start(null, false, "sleep", "100");
        Spec spec = spec(c.id(), null, "sleep", "100");
        Path execLog = work.resolve("exec.log");
        ContainerProcess exec = runtime.exec(c.id(), "e1", spec, process(spec.process(), new Process.ConsoleSize(40, 120),
                "sh", "-c", "tty; stty size"), new ProcessIo(execLog, null, false));
        assertEquals(0, exec.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals("/dev/pts/0\n40 120\n", stdout(execLog), "the first pty of the container's own devpts");
        assertThrows(NotFoundException.class, () -> runtime.openExecControl(c.id(), "e1"), "an exited exec has no control socket");
        runtime.deleteExec(c.id(), "e1");
    }

    @Test
    void anExecReadsStdinFromItsControlChannelAndMayHaveNoLog() throws Exception {
        ContainerProcess c = start(null, false, "sleep", "100");
        Spec spec = spec(c.id(), null, "sleep", "100");
        ContainerProcess exec = runtime.exec(c.id(), "e2", spec, process(spec.process(), null, "sh", "-c", "read code; echo discarded; exit $code"),
                new ProcessIo(null, null, true));
        try (ControlChannel control = runtime.openExecControl(c.id(), "e2")) {
            control.writeStdin("7\n".getBytes(StandardCharsets.UTF_8), 0, 2);
        }
        assertEquals(7, exec.exit().get(10, TimeUnit.SECONDS).exitCode());
        try (Stream<Path> files = Files.list(work)) {
            assertEquals(List.of(c.id() + ".log"), files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")).toList(),
                    "the exec's output went nowhere");
        }
        runtime.deleteExec(c.id(), "e2");
    }

    @Test
    void badInputIsRefusedClearly() throws Exception {
        assertThrows(NotFoundException.class, () -> runtime.openControl("nosuchcontainer"));
        ContainerProcess c = start(null, false, "sleep", "100");
        assertThrows(NotFoundException.class, () -> runtime.openExecControl(c.id(), "nosuchexec"));
        Path deep = work.resolve("d".repeat(100));
        try (ContainerRuntime tooDeep = new ContainerRuntime(SHIM, deep)) {
            String id = newId();
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> tooDeep.start(id, spec(id, null, "true"), List.of(), ProcessIo.logTo(log(id))));
            assertTrue(e.getMessage().contains("over the 107"), e.getMessage());
            assertFalse(Files.exists(deep.resolve(id)), "no state left");
        }
    }

    @Test
    void theMonitorStaysSmallWithAndWithoutATerminal() throws Exception {
        for (Process.ConsoleSize terminal : java.util.Arrays.asList(null, new Process.ConsoleSize(24, 80))) {
            ContainerProcess c = start(terminal, true, "sleep", "100");
            try (ControlChannel control = runtime.openControl(c.id())) {
                control.resize(30, 90); // the relay's buffers have been touched
            }
            int monitor = ContainerState.read(stateRoot.resolve(c.id())).monitorPid();
            String rss = Files.readAllLines(Path.of("/proc", Integer.toString(monitor), "status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).findFirst().orElseThrow();
            long kib = Long.parseLong(rss.replaceAll("\\D", ""));
            System.out.printf("monitor of an idle container %s a terminal: VmRSS %d KiB%n", terminal == null ? "without" : "with", kib);
            assertTrue(kib < 4096, rss);
        }
    }
}
