package io.berth.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.errdefs.ConflictException;
import io.berth.errdefs.NotFoundException;
import io.berth.linux.Syscalls;
import io.berth.oci.runtime.Mount;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Root;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.cgroup.CgroupDriver;
import io.berth.runtime.spec.SpecDefaults;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Runs real containers (as root) from a busybox rootfs built from the host's /bin/busybox. */
@Timeout(60) // a hung container must fail its test, not the whole build
class ContainerRuntimeTest {
    private static final Path SHIM = Path.of(System.getProperty("berth.shim", "../native/target/bin/berth-shim"));
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Per test JVM: concurrent runs of this suite (CI clones) must not remove each other's parent. */
    private static final String CGROUP_PARENT = "berth-runtime-test-" + ProcessHandle.current().pid();
    private static Path busybox;

    private Path work;
    private Path stateRoot;
    private ContainerRuntime runtime;
    private final List<String> started = new ArrayList<>();

    @BeforeAll
    static void buildBusyboxRootfs() throws Exception {
        busybox = BusyboxRootfs.create();
    }

    @AfterAll
    static void removeBusyboxRootfsAndCgroupParent() throws IOException {
        deleteTree(busybox);
        CgroupDriver.detect().remove(CGROUP_PARENT);
    }

    @org.junit.jupiter.api.BeforeEach
    void createRuntime() throws IOException {
        work = Files.createTempDirectory("berth-runtime-test");
        stateRoot = work.resolve("state");
        runtime = new ContainerRuntime(SHIM, stateRoot);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (String id : started) {
            var process = runtime.find(id);
            if (process.isPresent() && !process.get().exit().isDone()) {
                try {
                    Syscalls.kill(process.get().pid(), 9);
                } catch (io.berth.linux.LinuxException e) {
                    // ESRCH: another runtime instance of the test saw it exit before this one's watcher did
                    if (e.errno() != 3) throw e;
                }
                process.get().exit().get(10, TimeUnit.SECONDS);
            }
            if (Files.exists(stateRoot.resolve(id))) runtime.delete(id);
        }
        runtime.close();
        deleteTree(work);
    }

    private String newId() {
        String id = "t" + Long.toHexString(System.nanoTime());
        started.add(id);
        return id;
    }

    private Spec spec(Path rootfs, String... args) {
        return SpecDefaults.spec(rootfs.toString(), List.of(args), "berth-test", CGROUP_PARENT + "/" + started.getLast());
    }

    private ContainerProcess start(Spec spec, List<RootfsMount> mounts) throws StartFailure {
        return runtime.start(started.getLast(), spec, mounts, work.resolve(started.getLast() + ".log"));
    }

    /** Runs a command to its end and returns its exit status. */
    private ExitStatus run(String... args) throws Exception {
        newId();
        return start(spec(busybox, args), List.of()).exit().get(10, TimeUnit.SECONDS);
    }

    private List<JsonNode> logEntries() throws IOException {
        List<JsonNode> entries = new ArrayList<>();
        for (String line : Files.readAllLines(work.resolve(started.getLast() + ".log"))) entries.add(JSON.readTree(line));
        return entries;
    }

    private String stdout() throws IOException {
        StringBuilder out = new StringBuilder();
        for (JsonNode e : logEntries()) if (e.get("stream").asText().equals("stdout")) out.append(e.get("log").asText());
        return out.toString();
    }

    @Test
    void theContainerIsPidOne() throws Exception {
        assertEquals(0, run("sh", "-c", "echo $$").exitCode());
        assertEquals("1\n", stdout());
    }

    @Test
    void theContainerHasItsOwnHostname() throws Exception {
        run("hostname");
        assertEquals("berth-test\n", stdout());
    }

    @Test
    void theContainerSeesNoHostProcesses() throws Exception {
        run("sh", "-c", "ls /proc | grep '^[0-9]*$'");
        List<Integer> pids = Arrays.stream(stdout().split("\n")).map(Integer::parseInt).toList();
        assertTrue(pids.contains(1), pids.toString());
        assertTrue(pids.stream().allMatch(pid -> pid < 10), "only the container's own processes: " + pids);
    }

    @Test
    void theContainerHasOnlyAnUpLoopback() throws Exception {
        run("sh", "-c", "ls /sys/class/net; cat /sys/class/net/lo/flags");
        String[] lines = stdout().split("\n");
        assertEquals("lo", lines[0]);
        assertEquals(2, lines.length, stdout());
        assertEquals(1, Integer.decode(lines[1]) & 1, "IFF_UP");
    }

    @Test
    void propagatesTheExitCode() throws Exception {
        assertEquals(3, run("sh", "-c", "exit 3").exitCode());
    }

    @Test
    void killedBySignalNineExitsWith137() throws Exception {
        newId();
        ContainerProcess process = start(spec(busybox, "sleep", "100"), List.of());
        assertFalse(process.exit().isDone());
        runtime.kill(process.id(), 9);
        ExitStatus status = process.exit().get(10, TimeUnit.SECONDS);
        assertEquals(137, status.exitCode());
        assertFalse(status.finishedAt().isBefore(process.startedAt()));
        assertThrows(NotFoundException.class, () -> runtime.kill(process.id(), 9));
    }

    @Test
    void logsStdoutAndStderrAsDockerJsonLines() throws Exception {
        run("sh", "-c", "echo out; echo 'e\"rr' >&2; printf partial");
        List<JsonNode> entries = logEntries();
        assertEquals(3, entries.size(), entries.toString());
        assertEquals("stdout", entries.stream().filter(e -> e.get("log").asText().equals("out\n")).findFirst().orElseThrow().get("stream").asText());
        assertEquals("stderr", entries.stream().filter(e -> e.get("log").asText().equals("e\"rr\n")).findFirst().orElseThrow().get("stream").asText());
        assertEquals("partial", entries.getLast().get("log").asText());
        String time = entries.getFirst().get("time").asText();
        assertTrue(time.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z"), time);
        Instant.parse(time);
    }

    @Test
    void splitsLinesLongerThan16KiB() throws Exception {
        run("sh", "-c", "head -c 20000 /dev/zero | tr '\\0' a; echo");
        List<JsonNode> entries = logEntries();
        assertEquals(16384, entries.get(0).get("log").asText().length());
        assertEquals(20000 - 16384 + 1, entries.get(1).get("log").asText().length());
    }

    @Test
    void aMissingCommandFailsAndLeavesNothingBehind() throws Exception {
        String id = newId();
        StartFailure failure = assertThrows(StartFailure.class, () -> start(spec(busybox, "nosuchcommand"), List.of()));
        assertEquals(StartFailure.Kind.COMMAND_NOT_FOUND, failure.kind());
        assertEquals("exec: \"nosuchcommand\": executable file not found in $PATH", failure.getMessage());
        assertFalse(Files.exists(stateRoot.resolve(id)), "state directory");
        assertFalse(Files.exists(work.resolve(id + ".log")), "log file");
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/pids", CGROUP_PARENT, id)), "cgroup");
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory", CGROUP_PARENT, id)), "cgroup");
        assertEquals(List.of(), processesMentioning(stateRoot.resolve(id).toString()), "monitor processes");
    }

    @Test
    void aNonExecutableCommandIsPermissionDenied() throws Exception {
        newId();
        StartFailure failure = assertThrows(StartFailure.class, () -> start(spec(busybox, "/etc"), List.of()));
        assertEquals(StartFailure.Kind.PERMISSION_DENIED, failure.kind());
        assertEquals("exec: \"/etc\": permission denied", failure.getMessage());
    }

    @Test
    void aFailingMountNamesTheStepAndLeavesNothingBehind() throws Exception {
        String id = newId();
        Spec base = spec(busybox, "true");
        List<Mount> mounts = new ArrayList<>(base.mounts());
        mounts.add(new Mount("/data", "bind", work.resolve("missing").toString(), List.of("rbind")));
        Spec spec = new Spec(base.ociVersion(), base.process(), base.root(), base.hostname(), null, mounts, base.linux(), null);
        StartFailure failure = assertThrows(StartFailure.class, () -> start(spec, List.of()));
        assertEquals("mount /data", failure.step());
        assertEquals("mount /data: No such file or directory", failure.getMessage());
        assertEquals(StartFailure.Kind.OTHER, failure.kind());
        assertFalse(Files.exists(stateRoot.resolve(id)));
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/pids", CGROUP_PARENT, id)));
    }

    @Test
    void seesItsOwnCgroupsReadOnlyAtSysFsCgroup() throws Exception {
        boolean v2 = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));
        String procs = v2 ? "/sys/fs/cgroup/cgroup.procs" : "/sys/fs/cgroup/pids/cgroup.procs";
        String ownCgroup = v2 ? "0::/" : ":pids:/";
        // read is a shell builtin: no second process joins the cgroup while it is listed
        run("sh", "-c", "while read pid; do echo $pid; done < " + procs + "; grep -c '" + ownCgroup + "$' /proc/self/cgroup; mkdir /sys/fs/cgroup/x 2>/dev/null || echo ro");
        assertEquals(List.of("1", "1", "ro"), stdout().lines().toList(),
                "only pid 1 in its cgroup, which is the root of its cgroup namespace, mounted read-only");
    }

    @Test
    void appliesDockersDefaultConfinement() throws Exception {
        run("sh", "-c", "grep CapEff /proc/self/status; cat /proc/kcore | wc -c; touch /proc/sys/x 2>&1 || echo ro; id -u");
        String[] lines = stdout().split("\n");
        assertEquals("CapEff:\t00000000a80425fb", lines[0], "docker's 14 default capabilities");
        assertEquals("0", lines[1].strip(), "/proc/kcore is masked");
        assertEquals("ro", lines[lines.length - 2]);
        assertEquals("0", lines[lines.length - 1]);
    }

    @Test
    void aSeccompFilterFromTheSpecRefusesCallsWithTheChosenErrno() throws Exception {
        for (boolean noNewPrivileges : List.of(false, true)) {
            newId();
            Spec base = spec(busybox, "sh", "-c", "mkdir /tmp/blocked 2>&1 || echo refused; grep Seccomp: /proc/self/status");
            Process p = base.process();
            Process process = new Process(p.terminal(), p.consoleSize(), p.user(), p.args(), null, p.env(), p.cwd(),
                    p.capabilities(), p.rlimits(), noNewPrivileges, null, null, null);
            var seccomp = new io.berth.oci.runtime.Seccomp("SCMP_ACT_ALLOW", null, List.of("SCMP_ARCH_X86_64"), null, null, null,
                    List.of(new io.berth.oci.runtime.Seccomp.Syscall(List.of("mkdir", "mkdirat"), "SCMP_ACT_ERRNO", 1, null)));
            var l = base.linux();
            var linux = new io.berth.oci.runtime.Linux(l.namespaces(), null, null, null, l.resources(), l.cgroupsPath(), seccomp,
                    null, l.maskedPaths(), l.readonlyPaths(), l.devices(), null, null);
            Spec spec = new Spec(base.ociVersion(), process, base.root(), base.hostname(), null, base.mounts(), linux, null);
            start(spec, List.of()).exit().get(10, TimeUnit.SECONDS);
            String out = stdout();
            assertTrue(out.contains("Operation not permitted") && out.contains("refused"), "no_new_privs=" + noNewPrivileges + ": " + out);
            assertTrue(out.endsWith("Seccomp:\t2\n"), "filter mode, and other calls still work: " + out);
            assertTrue(Files.readString(Path.of("/proc/self/status")).contains("Seccomp:\t0"), "the test JVM itself is unfiltered");
        }
    }

    @Test
    void aReadOnlyRootfsRefusesWrites() throws Exception {
        newId();
        Spec base = spec(busybox, "sh", "-c", "touch /x 2>/dev/null || echo refused; touch /tmp/y 2>/dev/null || echo refused");
        Spec spec = new Spec(base.ociVersion(), base.process(), new Root(busybox.toString(), true), base.hostname(), null,
                base.mounts(), base.linux(), null);
        start(spec, List.of()).exit().get(10, TimeUnit.SECONDS);
        assertEquals("refused\nrefused\n", stdout());
        assertFalse(Files.exists(busybox.resolve("x")));
    }

    @Test
    void appliesRlimitsSysctlsAndUmask() throws Exception {
        newId();
        Spec base = spec(busybox, "sh", "-c", "ulimit -n; cat /proc/sys/net/ipv4/ip_forward; umask");
        Process p = base.process();
        Process limited = new Process(p.terminal(), p.consoleSize(), new Process.User(0, 0, 027, null, null), p.args(), null,
                p.env(), p.cwd(), p.capabilities(), List.of(new Process.Rlimit("RLIMIT_NOFILE", 512, 256)),
                p.noNewPrivileges(), null, null, null);
        var l = base.linux();
        var linux = new io.berth.oci.runtime.Linux(l.namespaces(), null, null, java.util.Map.of("net.ipv4.ip_forward", "1"),
                l.resources(), l.cgroupsPath(), null, null, l.maskedPaths(), l.readonlyPaths(), l.devices(), null, null);
        Spec spec = new Spec(base.ociVersion(), limited, base.root(), base.hostname(), null, base.mounts(), linux, null);
        start(spec, List.of()).exit().get(10, TimeUnit.SECONDS);
        assertEquals("256\n1\n0027\n", stdout());
    }

    @Test
    void runsAsTheSpecsUserAndInItsCwd() throws Exception {
        newId();
        Spec base = spec(busybox, "sh", "-c", "id -u; id -g; id -G; pwd; grep CapEff /proc/self/status");
        Process p = base.process();
        Process asUser = new Process(p.terminal(), p.consoleSize(), new Process.User(1000, 1001, null, List.of(1002L), null),
                p.args(), null, p.env(), "/home/app", new Process.Capabilities(List.of(), List.of(), List.of(), List.of(), List.of()), p.rlimits(), p.noNewPrivileges(), null, null, null);
        Spec spec = new Spec(base.ociVersion(), asUser, base.root(), base.hostname(), null, base.mounts(), base.linux(), null);
        assertEquals(0, start(spec, List.of()).exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals("1000\n1001\n1001 1002\n/home/app\nCapEff:\t0000000000000000\n", stdout());
    }

    @Test
    void writesToAnOverlayRootfsLandInTheUpperDirectoryOnly() throws Exception {
        Path rootfs = Files.createDirectory(work.resolve("rootfs"));
        Path upper = Files.createDirectory(work.resolve("upper")), workdir = Files.createDirectory(work.resolve("work"));
        RootfsMount overlay = new RootfsMount("overlay", "overlay",
                List.of("lowerdir=" + busybox, "upperdir=" + upper, "workdir=" + workdir));
        newId();
        ExitStatus status = start(spec(rootfs, "sh", "-c", "echo written > /hello && cat /hello"), List.of(overlay))
                .exit().get(10, TimeUnit.SECONDS);
        assertEquals(0, status.exitCode());
        assertEquals("written\n", stdout());
        assertEquals("written\n", Files.readString(upper.resolve("hello")));
        assertFalse(Files.exists(busybox.resolve("hello")));
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(rootfs.toString()), "overlay leaked to the host");
    }

    @Test
    void mountsAnOverlayWhoseLayerListIsLongerThanAPage() throws Exception {
        List<String> lowerTopFirst = new ArrayList<>();
        for (int i = 55; i >= 0; i--) {
            Path layer = Files.createDirectories(work.resolve("layers").resolve("%064x".formatted(i)));
            Files.writeString(layer.resolve("layer" + i), "from layer " + i + "\n");
            lowerTopFirst.add(layer.toString());
        }
        copyTree(busybox, Path.of(lowerTopFirst.getLast()));
        Path rootfs = Files.createDirectory(work.resolve("rootfs"));
        Path upper = Files.createDirectories(work.resolve("layers/upper")), workdir = Files.createDirectories(work.resolve("layers/work"));
        String lowerdir = "lowerdir=" + String.join(":", lowerTopFirst);
        assertTrue(lowerdir.length() > 4096, "the test needs a layer list over a page");
        newId();
        RootfsMount overlay = new RootfsMount("overlay", "overlay", List.of(lowerdir, "upperdir=" + upper, "workdir=" + workdir));
        ExitStatus status = start(spec(rootfs, "sh", "-c", "cat /layer0 /layer55"), List.of(overlay)).exit().get(10, TimeUnit.SECONDS);
        assertEquals(0, status.exitCode(), stdout());
        assertEquals("from layer 0\nfrom layer 55\n", stdout());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.createDirectories(target);
                else Files.copy(p, target, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    @Test
    void aNewRuntimeFindsARunningContainerAndControlsIt() throws Exception {
        String id = newId();
        ContainerProcess original = start(spec(busybox, "sleep", "100"), List.of());
        ContainerRuntime restarted = new ContainerRuntime(SHIM, stateRoot);
        ContainerProcess found = restarted.find(id).orElseThrow();
        assertEquals(original.pid(), found.pid());
        assertFalse(found.exit().isDone());
        restarted.kill(id, 9);
        assertEquals(137, found.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals(137, new ContainerRuntime(SHIM, stateRoot).find(id).orElseThrow().exit().get().exitCode());
    }

    @Test
    void theContainerOutlivesTheDaemonThatStartedIt() throws Exception {
        String id = newId();
        Path log = work.resolve(id + ".log");
        String java = ProcessHandle.current().info().command().orElseThrow();
        java.lang.Process daemon = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), DaemonStandIn.class.getName(),
                SHIM.toString(), stateRoot.toString(), busybox.toString(), id, CGROUP_PARENT + "/" + id, log.toString(),
                "sh", "-c", "sleep 1; echo survived").redirectErrorStream(true).start();
        try {
            var reader = new java.io.BufferedReader(new java.io.InputStreamReader(daemon.getInputStream()));
            String report = reader.readLine();
            assertTrue(report != null && report.startsWith("started "), report);
        } finally {
            daemon.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
        }
        ContainerProcess process = runtime.find(id).orElseThrow();
        assertTrue(Syscalls.processExists(process.pid()), "the container survived its daemon");
        assertEquals(0, process.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals("survived\n", stdout());
    }

    @Test
    void deleteRemovesStateAndCgroupsOnlyAfterExit() throws Exception {
        String id = newId();
        ContainerProcess process = start(spec(busybox, "sleep", "100"), List.of());
        Path cgroup = Path.of("/sys/fs/cgroup/pids", CGROUP_PARENT, id);
        assertTrue(Files.readString(cgroup.resolve("cgroup.procs")).contains(Integer.toString(process.pid())));
        assertThrows(ConflictException.class, () -> runtime.delete(id));
        runtime.kill(id, 9);
        process.exit().get(10, TimeUnit.SECONDS);
        runtime.delete(id);
        assertFalse(Files.exists(cgroup));
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory", CGROUP_PARENT, id)));
        assertFalse(Files.exists(stateRoot.resolve(id)));
        assertTrue(runtime.find(id).isEmpty());
    }

    @Test
    void startToExitOfTrueTakesMilliseconds() throws Exception {
        int warmup = 5;
        long[] nanos = new long[20];
        for (int i = -warmup; i < nanos.length; i++) {
            String id = newId();
            long t0 = System.nanoTime();
            start(spec(busybox, "true"), List.of()).exit().get(10, TimeUnit.SECONDS);
            long elapsed = System.nanoTime() - t0;
            if (i >= 0) nanos[i] = elapsed;
            runtime.delete(id);
        }
        Arrays.sort(nanos);
        double medianMs = nanos[nanos.length / 2] / 1e6;
        System.out.printf("start() through exit() of true: median %.2f ms, min %.2f ms, max %.2f ms%n",
                medianMs, nanos[0] / 1e6, nanos[nanos.length - 1] / 1e6);
        assertTrue(medianMs < 100, "median " + medianMs + " ms");
    }

    private static List<Long> processesMentioning(String text) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (new String(Files.readAllBytes(p.resolve("cmdline"))).contains(text)) pids.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException vanished) {
                    // the process exited while we looked
                }
            }
        }
        return pids;
    }

    private static void deleteTree(Path dir) throws IOException {
        BusyboxRootfs.deleteTree(dir);
    }
}
