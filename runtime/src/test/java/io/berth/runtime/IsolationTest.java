package io.berth.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.errdefs.ConflictException;
import io.berth.linux.Syscalls;
import io.berth.oci.runtime.Linux;
import io.berth.oci.runtime.LinuxResources;
import io.berth.oci.runtime.Mount;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.cgroup.CgroupDriver;
import io.berth.runtime.cgroup.CgroupStats;
import io.berth.runtime.spec.SpecDefaults;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** Step 2 on the real kernel: lifecycle controls, limits, user namespaces, --init and the hardening of the shim. */
@Timeout(60)
class IsolationTest {
    private static final Path SHIM = Path.of(System.getProperty("berth.shim", "../native/target/bin/berth-shim"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CGROUP_PARENT = "berth-isolation-test-" + ProcessHandle.current().pid();
    private static Path busybox;

    private Path work;
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
        work = Files.createTempDirectory("berth-isolation-test");
        runtime = new ContainerRuntime(SHIM, work.resolve("state"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (String id : ids) {
            var process = runtime.find(id);
            if (process.isPresent() && !process.get().exit().isDone()) {
                try {
                    runtime.resume(id);
                } catch (RuntimeException e) {
                    // it was not paused
                }
                try {
                    Syscalls.kill(process.get().pid(), 9);
                } catch (io.berth.linux.LinuxException e) {
                    // it exited meanwhile
                }
                process.get().exit().get(10, TimeUnit.SECONDS);
            }
            if (Files.exists(work.resolve("state").resolve(id))) runtime.delete(id);
        }
        runtime.close();
        BusyboxRootfs.deleteTree(work);
    }

    private String newId() {
        String id = "i" + Long.toHexString(System.nanoTime());
        ids.add(id);
        return id;
    }

    private Spec spec(String... args) {
        newId();
        return SpecDefaults.spec(busybox.toString(), List.of(args), "berth-test", CGROUP_PARENT + "/" + ids.getLast());
    }

    private static Spec withLinux(Spec s, UnaryOperator<Linux> change) {
        return new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), s.domainname(), s.mounts(), change.apply(s.linux()), s.annotations());
    }

    private static Spec withResources(Spec s, LinuxResources r) {
        return withLinux(s, l -> new Linux(l.namespaces(), l.uidMappings(), l.gidMappings(), l.sysctl(), r, l.cgroupsPath(), l.seccomp(),
                l.rootfsPropagation(), l.maskedPaths(), l.readonlyPaths(), l.devices(), l.mountLabel(), l.personality()));
    }

    private static LinuxResources resources(LinuxResources.Memory memory, LinuxResources.Pids pids) {
        return new LinuxResources(SpecDefaults.deviceRules(), memory, null, pids, null, null, null, null);
    }

    private static LinuxResources.Memory memory(long limit, Long swap) {
        return new LinuxResources.Memory(limit, null, swap, null, null, null, null, null, null);
    }

    private ContainerProcess start(Spec spec) throws StartFailure {
        return runtime.start(ids.getLast(), spec, List.of(), work.resolve(ids.getLast() + ".log"));
    }

    private String stdout() throws IOException {
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(work.resolve(ids.getLast() + ".log"))) {
            JsonNode entry = JSON.readTree(line);
            if (entry.get("stream").asText().equals("stdout")) out.append(entry.get("log").asText());
        }
        return out.toString();
    }

    private String runToEnd(Spec spec) throws Exception {
        start(spec).exit().get(20, TimeUnit.SECONDS);
        return stdout();
    }

    @Test
    void pauseFreezesEveryProcessAndResumeThawsThem() throws Exception {
        ContainerProcess busy = start(spec("sh", "-c", "while :; do :; done"));
        String id = ids.getLast();
        runtime.pause(id);
        long frozenCpu = runtime.stats(id).cpuUsageNanos();
        Thread.sleep(200);
        assertEquals(frozenCpu, runtime.stats(id).cpuUsageNanos(), "no CPU time while frozen");
        runtime.resume(id);
        Thread.sleep(200);
        assertTrue(runtime.stats(id).cpuUsageNanos() > frozenCpu, "running again");
        Syscalls.kill(busy.pid(), 9);
        busy.exit().get(10, TimeUnit.SECONDS);
        assertThrows(ConflictException.class, () -> runtime.pause(id), "an exited container cannot be paused");
    }

    @Test
    void listsTheHostPidsOfEveryProcessInTheContainer() throws Exception {
        ContainerProcess process = start(spec("sh", "-c", "sleep 100 & sleep 100 & wait"));
        List<Integer> pids = List.of();
        for (int attempt = 0; attempt < 200 && pids.size() < 3; attempt++) {
            pids = runtime.processes(ids.getLast());
            Thread.sleep(10);
        }
        assertEquals(3, pids.size(), pids.toString());
        assertTrue(pids.contains(process.pid()), "pid 1 as the host sees it: " + pids);
    }

    @Test
    void statsReadTheLimitsAndUsageAndUpdateChangesTheLimits() throws Exception {
        Spec spec = withResources(spec("sleep", "100"), resources(memory(64L << 20, null), new LinuxResources.Pids(20L)));
        start(spec);
        String id = ids.getLast();
        CgroupStats stats = runtime.stats(id);
        assertEquals(64L << 20, stats.memoryLimit());
        assertEquals(20, stats.pidsLimit());
        assertEquals(1, stats.pids());
        assertTrue(stats.memoryUsage() > 0 && stats.cpuUsageNanos() > 0, stats.toString());
        runtime.update(id, resources(memory(128L << 20, null), new LinuxResources.Pids(30L)));
        assertEquals(128L << 20, runtime.stats(id).memoryLimit());
        assertEquals(30, runtime.stats(id).pidsLimit());
    }

    @Test
    void anOomKillIsRecordedWithTheExit() throws Exception {
        // memory and memory+swap both 32 MiB: the only way out is the OOM killer
        Spec spec = withResources(spec("sh", "-c", "head -c 200m /dev/zero | tail -c 150m > /dev/null"),
                resources(memory(32L << 20, 32L << 20), null));
        ExitStatus exit = start(spec).exit().get(30, TimeUnit.SECONDS);
        assertTrue(exit.oomKilled(), exit.toString());

        ExitStatus normal = start(spec("true")).exit().get(10, TimeUnit.SECONDS);
        assertFalse(normal.oomKilled());
    }

    @Test
    void theLimitsAreWhatTheContainerSeesInItsCgroups() throws Exception {
        LinuxResources limits = new LinuxResources(List.of(new LinuxResources.DeviceRule(false, "a", null, null, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 1L, 3L, "rwm")),
                new LinuxResources.Memory(96L << 20, 48L << 20, 192L << 20, null, null, null, true, null, null),
                new LinuxResources.Cpu(512L, 50000L, null, 100000L, null, null, "0", "0", null), new LinuxResources.Pids(33L),
                new LinuxResources.BlockIO(300, null, null, null, null, null, null), null, null, null);
        boolean v2 = runtime.cgroupVersion() == io.berth.runtime.cgroup.CgroupVersion.V2;
        String script = v2
                ? "cd /sys/fs/cgroup; cat memory.max memory.low memory.swap.max cpu.weight cpu.max cpuset.cpus pids.max"
                : "cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes memory/memory.soft_limit_in_bytes memory/memory.memsw.limit_in_bytes;"
                + " grep oom_kill_disable memory/memory.oom_control; cat cpu/cpu.shares cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us"
                + " cpuset/cpuset.cpus cpuset/cpuset.mems pids/pids.max; cat blkio/blkio.weight 2>/dev/null || cat blkio/blkio.bfq.weight;"
                + " grep -c 'c 1:3 rwm' devices/devices.list; mknod /tmp/kmsg c 1 11 && (head -c 1 /tmp/kmsg >/dev/null 2>&1 && echo kmsg-read || echo kmsg-denied)";
        String out = runToEnd(withResources(spec("sh", "-c", script), limits));
        if (v2) {
            assertEquals(List.of(Long.toString(96L << 20), Long.toString(48L << 20), Long.toString(96L << 20), "20", "50000 100000", "0", "33"),
                    out.lines().toList());
        } else {
            assertEquals(List.of(Long.toString(96L << 20), Long.toString(48L << 20), Long.toString(192L << 20), "oom_kill_disable 1",
                    "512", "50000", "100000", "0", "0", "33", "300", "1", "kmsg-denied"), out.lines().toList(),
                    "the spec denies every device; /dev/null and the other default devices stay allowed, as with runc");
        }
    }

    @Test
    void aUserNamespaceMapsContainerRootToAnUnprivilegedHostUser() throws Exception {
        // the mapped root must be able to reach the bind source: the test's work directory is private
        Path shared = Files.createTempDirectory("berth-userns");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        try {
            runInAUserNamespace(shared);
        } finally {
            BusyboxRootfs.deleteTree(shared);
        }
    }

    private void runInAUserNamespace(Path shared) throws Exception {
        // the rootfs belongs to host root, so mapped root cannot create mount points in it: as with runc, they exist
        Files.createDirectories(busybox.resolve("shared"));
        Spec base = spec("sh", "-c", "id -u; touch /shared/made-inside");
        List<Linux.Namespace> namespaces = new ArrayList<>(base.linux().namespaces());
        namespaces.add(new Linux.Namespace("user", null));
        List<Linux.IdMapping> map = List.of(new Linux.IdMapping(0, 100000, 65536));
        Spec userns = withLinux(base, l -> new Linux(namespaces, map, map, l.sysctl(), l.resources(), l.cgroupsPath(), l.seccomp(),
                l.rootfsPropagation(), l.maskedPaths(), l.readonlyPaths(), l.devices(), l.mountLabel(), l.personality()));
        List<Mount> mounts = new ArrayList<>(userns.mounts());
        mounts.add(new Mount("/shared", "bind", shared.toString(), List.of("rbind", "rw")));
        Spec spec = new Spec(userns.ociVersion(), userns.process(), userns.root(), userns.hostname(), null, mounts, userns.linux(), null);
        assertEquals("0\n", runToEnd(spec));
        assertEquals(100000, (int) Files.getAttribute(shared.resolve("made-inside"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(100000, (int) Files.getAttribute(shared.resolve("made-inside"), "unix:gid", LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void initIsPidOneReapsZombiesForwardsSignalsAndExitsWithTheChildsStatus() throws Exception {
        Spec base = spec("sh", "-c", "trap 'exit 7' TERM; echo $$; (sleep 0 &); sleep 0.3; "
                + "grep -l '^State:.*Z' /proc/[0-9]*/status || echo no-zombies; echo ready; while :; do sleep 0.05; done");
        Spec spec = new Spec(base.ociVersion(), base.process(), base.root(), base.hostname(), null, base.mounts(), base.linux(),
                Map.of("io.berth.init", "true"));
        ContainerProcess process = start(spec);
        for (int attempt = 0; attempt < 300 && !stdout().contains("ready"); attempt++) Thread.sleep(10);
        runtime.kill(ids.getLast(), 15);
        ExitStatus exit = process.exit().get(10, TimeUnit.SECONDS);
        assertEquals(List.of("2", "no-zombies", "ready"), stdout().lines().toList(), "the shell is pid 2, under the init");
        assertEquals(7, exit.exitCode(), "SIGTERM reached the shell through the init, which exited with its status");
    }

    @Test
    void noFileDescriptorOfTheRuntimeOrShimReachesTheContainer() throws Exception {
        String out = runToEnd(spec("ls", "/proc/self/fd"));
        assertEquals(List.of("0", "1", "2", "3"), out.lines().toList(), "stdio and ls's own directory fd only");
    }

    @Test
    void theShimRunsFromASealedMemfdTheContainerCannotOverwrite() throws Exception {
        Spec base = spec("sh", "-c", "readlink /proc/1/exe; echo x > /proc/1/exe && echo overwritten || echo refused");
        Spec spec = new Spec(base.ociVersion(), base.process(), base.root(), base.hostname(), null, base.mounts(), base.linux(),
                Map.of("io.berth.init", "true")); // with --init, pid 1 stays the shim
        List<String> out = runToEnd(spec).lines().toList();
        assertTrue(out.getFirst().startsWith("/memfd:berth-shim"), out.toString());
        assertEquals("refused", out.getLast());
    }

    @Test
    void aWorkingDirectoryThroughProcSelfFdIsRefused() throws Exception {
        for (int n = 3; n < 10; n++) {
            String fd = Integer.toString(n);
            Spec base = spec("pwd");
            Process p = base.process();
            Process escaping = new Process(p.terminal(), p.consoleSize(), p.user(), p.args(), null, p.env(), "/proc/self/fd/" + fd,
                    p.capabilities(), p.rlimits(), p.noNewPrivileges(), null, null, null);
            Spec spec = new Spec(base.ociVersion(), escaping, base.root(), base.hostname(), null, base.mounts(), base.linux(), null);
            assertThrows(StartFailure.class, () -> start(spec), "cwd /proc/self/fd/" + fd);
        }
    }

    @Test
    void mountDestinationsAreResolvedInsideTheRootfs() throws Exception {
        Path hostDir = Files.createDirectory(work.resolve("host"));
        Path hostFile = Files.writeString(hostDir.resolve("file"), "HOST\n");
        Path source = Files.writeString(work.resolve("from-spec"), "SPEC\n");
        Path rootfs = Files.createDirectory(work.resolve("rootfs"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/cat"), Path.of("busybox"));
        for (String dir : List.of("proc", "sys", "dev", "etc", "tmp")) Files.createDirectories(rootfs.resolve(dir));
        // an image may hold any symlink: this one climbs out of the rootfs if followed on the host
        Files.createSymbolicLink(rootfs.resolve("etc/hosts"), Path.of("/../../../../../../.." + hostFile));

        newId();
        Spec base = SpecDefaults.spec(rootfs.toString(), List.of("cat", "/etc/hosts"), "berth-test", CGROUP_PARENT + "/" + ids.getLast());
        List<Mount> mounts = new ArrayList<>(base.mounts());
        mounts.add(new Mount("/etc/hosts", "bind", source.toString(), List.of("rbind", "ro")));
        Spec spec = new Spec(base.ociVersion(), base.process(), base.root(), base.hostname(), null, mounts, base.linux(), null);
        assertEquals("SPEC\n", runToEnd(spec), "the bind landed on the symlink's target inside the rootfs");
        assertEquals("HOST\n", Files.readString(hostFile));
        assertTrue(Files.exists(rootfs.resolve(hostFile.toString().substring(1))), "the mount point was created inside the rootfs");
    }

    @Test
    void aCreatedContainerRunsNothingUntilStarted() throws Exception {
        Spec spec = spec("echo", "ran");
        String id = ids.getLast();
        ContainerProcess process = runtime.create(id, spec, List.of(), work.resolve(id + ".log"));
        assertEquals(ContainerStatus.CREATED, runtime.statusOf(id).orElseThrow());
        Thread.sleep(200);
        assertEquals("", stdout(), "the process waits before execve");
        assertFalse(process.exit().isDone());
        runtime.startCreated(id);
        assertEquals(0, process.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals("ran\n", stdout());
        assertEquals(ContainerStatus.STOPPED, runtime.statusOf(id).orElseThrow());
        assertThrows(ConflictException.class, () -> runtime.startCreated(id));
    }

    @Test
    void aCreatedContainerCanBeKilledBeforeItStarts() throws Exception {
        Spec spec = spec("echo", "ran");
        String id = ids.getLast();
        ContainerProcess process = runtime.create(id, spec, List.of(), work.resolve(id + ".log"));
        runtime.kill(id, 9);
        assertEquals(137, process.exit().get(10, TimeUnit.SECONDS).exitCode());
        assertEquals("", stdout());
    }
    @Test
    void namespacesCanBeJoinedByPathOrLeftToTheHost() throws Exception {
        ContainerProcess first = start(spec("sleep", "100"));
        String firstNet = Files.readSymbolicLink(Path.of("/proc", Integer.toString(first.pid()), "ns/net")).toString();
        Spec base = spec("sh", "-c", "readlink /proc/self/ns/net; hostname; readlink /proc/self/ns/ipc");
        // joins the first container's network namespace, shares the host's uts and ipc (--uts host, --ipc host)
        List<Linux.Namespace> namespaces = base.linux().namespaces().stream()
                .filter(ns -> !List.of("uts", "ipc", "network").contains(ns.type())).collect(java.util.stream.Collectors.toCollection(ArrayList::new));
        namespaces.add(new Linux.Namespace("network", "/proc/" + first.pid() + "/ns/net"));
        Spec spec = withLinux(base, l -> new Linux(namespaces, null, null, null, l.resources(), l.cgroupsPath(), null, null,
                l.maskedPaths(), l.readonlyPaths(), l.devices(), null, null));
        List<String> out = runToEnd(spec).lines().toList();
        assertEquals(List.of(firstNet, java.net.InetAddress.getLocalHost().getHostName(), Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")).toString()),
                out);
    }
}
