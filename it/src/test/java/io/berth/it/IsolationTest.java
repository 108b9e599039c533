package io.berth.it;

import io.berth.testkit.BusyboxImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Step 2 through the real docker CLI against a real berthd: each isolation and resource flag changes
 * what the process inside sees, the lifecycle commands (pause, top, stats, update, kill -s, restart)
 * act on the container's cgroup, and bad values are refused at create leaving nothing behind.
 * pause/top/stats/update and OOMKilled rely on the runtime's freezer, process list, stats, update and
 * OOM detection (ContainerRuntime.pause/resume/processes/stats/update, ExitStatus.oomKilled).
 */
class IsolationTest {
    private static final Path CGROUP_V1 = Path.of("/sys/fs/cgroup/memory");
    private static Path dir;
    private static BerthDaemon daemon;
    private final List<String> started = new ArrayList<>();

    @BeforeAll
    static void startDaemon() throws Exception {
        assumeTrue(Files.isExecutable(Commands.DOCKER_CLI), "the docker CLI is not installed at " + Commands.DOCKER_CLI);
        dir = Files.createTempDirectory("berth-isolation-it-");
        daemon = new BerthDaemon(dir, List.of()).start();
        Path tar = dir.resolve("rootfs.tar");
        BusyboxImage.build().writeRootfsTar(tar);
        CommandResult imported = daemon.docker("import", tar.toString(), "busybox:latest");
        assertEquals(0, imported.exitCode(), imported.toString());
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) daemon.close();
        if (dir != null) DockerCliTest.deleteTree(dir);
    }

    @AfterEach
    void removeContainers() {
        for (String name : started) daemon.docker("rm", "-f", name);
    }

    /** docker run --rm FLAGS... busybox sh -c SCRIPT, expected to succeed; returns its stdout. */
    private static String inside(List<String> flags, String script) {
        CommandResult run = run(flags, script);
        assertEquals(0, run.exitCode(), run.toString());
        return run.stdout();
    }

    private static CommandResult run(List<String> flags, String script) {
        List<String> args = new ArrayList<>(List.of("run", "--rm"));
        args.addAll(flags);
        args.addAll(List.of("busybox", "sh", "-c", script));
        return daemon.docker(args.toArray(String[]::new));
    }

    /** Starts a detached container that sleeps, removed after the test. */
    private String background(String name, String... flags) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name));
        args.addAll(List.of(flags));
        args.addAll(List.of("busybox", "sleep", "300"));
        CommandResult run = daemon.docker(args.toArray(String[]::new));
        started.add(name);
        assertEquals(0, run.exitCode(), run.toString());
        return run.stdout().strip();
    }

    private static String inspect(String name, String format) {
        CommandResult r = daemon.docker("inspect", "-f", format, name);
        assertEquals(0, r.exitCode(), r.toString());
        return r.stdout().strip();
    }

    private static String statusLine(String key, String status) {
        return status.lines().filter(l -> l.startsWith(key + ":")).findFirst().orElseThrow().split("\\s+")[1];
    }

    // ---- resources ---------------------------------------------------------------------------

    @Test
    void memoryLimitIsTheCgroupsLimit() {
        String limit = inside(List.of("-m", "32m"),
                "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max");
        assertEquals("33554432", limit.strip());
    }

    @Test
    void runningOutOfMemoryIsAnOomKill() {
        started.add("hog");
        CommandResult run = daemon.docker("run", "--name", "hog", "-m", "16m", "busybox", "sh", "-c",
                "x=a; while true; do x=$x$x; done");
        assertEquals(137, run.exitCode(), run.toString());
        assertEquals("true 137 exited", inspect("hog", "{{.State.OOMKilled}} {{.State.ExitCode}} {{.State.Status}}"));
    }

    @Test
    void pidsLimitStopsForks() {
        String out = inside(List.of("--pids-limit", "5"), "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max");
        assertEquals("5", out.strip());
        CommandResult forks = run(List.of("--pids-limit", "5"), "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done");
        assertTrue(forks.stderr().contains("can't fork") || forks.stderr().contains("Resource temporarily unavailable"),
                forks.toString());
    }

    @Test
    void cpusBecomeACfsQuota() {
        String out = inside(List.of("--cpus", "0.5"), "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us"
                + " 2>/dev/null || cat /sys/fs/cgroup/cpu.max");
        assertTrue(out.equals("50000\n100000\n") || out.equals("50000 100000\n"), out);
        assertEquals("1", inside(List.of("--cpuset-cpus", "1"), "cat /sys/fs/cgroup/cpuset/cpuset.cpus 2>/dev/null"
                + " || cat /sys/fs/cgroup/cpuset.cpus").strip());
        assertEquals("512", inside(List.of("--cpu-shares", "512"), "cat /sys/fs/cgroup/cpu/cpu.shares").strip());
    }

    @Test
    void reservationOomKillDisableAndCfsPeriodReachTheCgroup() {
        assertEquals("20971520", inside(List.of("--memory-reservation", "20m"),
                "cat /sys/fs/cgroup/memory/memory.soft_limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.low").strip());
        assertTrue(inside(List.of("-m", "32m", "--oom-kill-disable"), "cat /sys/fs/cgroup/memory/memory.oom_control")
                .contains("oom_kill_disable 1"));
        assertEquals("20000\n50000\n", inside(List.of("--cpu-quota", "20000", "--cpu-period", "50000"),
                "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us"));
    }

    @Test
    void devicesAreAddedWithTheirCgroupRule() {
        String out = inside(List.of("--device", "/dev/null:/dev/mynull"), "ls -l /dev/mynull && echo hi > /dev/mynull && echo written");
        assertTrue(out.startsWith("crw-rw-rw-") && out.contains("1,   3") && out.contains("written"), out);
        assertNotEquals(0, run(List.of(), "test -c /dev/mynull").exitCode(), "no such node without --device");
    }

        // ---- capabilities and seccomp --------------------------------------------------------------

    @Test
    void capDropAllAndCapAdd() {
        assertEquals("0000000000000000", statusLine("CapEff", inside(List.of("--cap-drop", "ALL"), "cat /proc/self/status")));
        // docker's default set plus CAP_NET_ADMIN (bit 12)
        assertEquals("00000000a80435fb", statusLine("CapEff", inside(List.of("--cap-add", "NET_ADMIN"), "cat /proc/self/status")));
        assertEquals("00000000a80425fb", statusLine("CapEff", inside(List.of(), "cat /proc/self/status")));
    }

    @Test
    void privilegedGetsTheDaemonsCapabilitiesDevicesAndWritableProcSys() throws IOException {
        String hostBounding = statusLine("CapBnd", Files.readString(Path.of("/proc/self/status")));
        String out = inside(List.of("--privileged"),
                "cat /proc/self/status; echo 1 > /proc/sys/kernel/ns_last_pid && echo proc-sys-writable; ls /dev | wc -l");
        assertEquals(hostBounding, statusLine("CapEff", out));
        assertEquals("0", statusLine("Seccomp", out), "no seccomp filter");
        assertTrue(out.contains("proc-sys-writable"), out);
        CommandResult confined = run(List.of(), "echo 1 > /proc/sys/kernel/ns_last_pid");
        assertNotEquals(0, confined.exitCode(), "/proc/sys is read-only by default: " + confined);
    }

    @Test
    void seccompBlocksUnshareUnlessUnconfined() {
        CommandResult confined = run(List.of(), "unshare -U true");
        assertNotEquals(0, confined.exitCode(), confined.toString());
        assertTrue(confined.stderr().contains("Operation not permitted"), confined.toString());
        assertEquals("2", statusLine("Seccomp", inside(List.of(), "cat /proc/self/status")));
        inside(List.of("--security-opt", "seccomp=unconfined"), "unshare -U true");
        inside(List.of("--privileged"), "unshare -U true && mount -t tmpfs none /tmp");
        inside(List.of("--security-opt", "seccomp=unconfined", "--cap-add", "SYS_ADMIN"), "mount -t tmpfs none /tmp");
        assertNotEquals(0, run(List.of(), "mount -t tmpfs none /tmp").exitCode(), "mount needs CAP_SYS_ADMIN");
    }

    @Test
    void customSeccompProfileBlocksMkdir() throws IOException {
        Path profile = dir.resolve("no-mkdir.json");
        Files.writeString(profile, """
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}""");
        CommandResult blocked = run(List.of("--security-opt", "seccomp=" + profile), "mkdir /tmp/d");
        assertNotEquals(0, blocked.exitCode(), blocked.toString());
        assertTrue(blocked.stderr().contains("Operation not permitted"), blocked.toString());
        inside(List.of(), "mkdir /tmp/d");
    }

    @Test
    void noNewPrivileges() {
        assertEquals("1", statusLine("NoNewPrivs", inside(List.of("--security-opt", "no-new-privileges"), "cat /proc/self/status")));
        assertEquals("1", statusLine("NoNewPrivs", inside(List.of("--security-opt", "no-new-privileges:true"), "cat /proc/self/status")));
        assertEquals("0", statusLine("NoNewPrivs", inside(List.of(), "cat /proc/self/status")));
    }

    // ---- hardening -----------------------------------------------------------------------------

    @Test
    void readOnlyRootWithATmpfs() {
        CommandResult touch = run(List.of("--read-only"), "touch /x");
        assertNotEquals(0, touch.exitCode(), touch.toString());
        assertTrue(touch.stderr().contains("Read-only file system"), touch.toString());
        String mounts = inside(List.of("--read-only", "--tmpfs", "/run:size=64m,noexec"), "touch /run/x && grep ' /run ' /proc/mounts");
        assertTrue(mounts.startsWith("tmpfs /run tmpfs rw,") && mounts.contains("noexec") && mounts.contains("size=65536k"), mounts);
    }

    @Test
    void ulimitsBecomeRlimits() {
        assertEquals("1024\n2048\n", inside(List.of("--ulimit", "nofile=1024:2048"), "ulimit -n; ulimit -Hn"));
    }

    @Test
    void userAndExtraGroups() {
        // the kernel keeps supplementary groups sorted
        assertEquals("uid=65534(nobody) gid=65534(nobody) groups=1234,65534(nobody)",
                inside(List.of("-u", "nobody", "--group-add", "1234"), "id").strip());
        assertEquals("uid=1000 gid=1000 groups=1000", inside(List.of("-u", "1000:1000"), "id").strip());
    }

    @Test
    void hostPidNamespaceShowsHostProcesses() {
        long ourPid = ProcessHandle.current().pid();
        inside(List.of("--pid", "host"), "test -d /proc/" + ourPid);
        assertNotEquals(0, run(List.of(), "test -d /proc/" + ourPid).exitCode());
    }

    @Test
    void hostNetworkShowsHostInterfacesAndTheDefaultHasOnlyLoopback() throws IOException {
        List<String> hostInterfaces;
        try (Stream<Path> list = Files.list(Path.of("/sys/class/net"))) {
            hostInterfaces = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        List<String> seen = inside(List.of("--network", "host"), "ls /sys/class/net").lines().sorted().toList();
        assertEquals(hostInterfaces, seen);
        assertEquals("lo", inside(List.of(), "ls /sys/class/net").strip());
        assertEquals("lo", inside(List.of("--network", "none"), "ls /sys/class/net").strip());
    }

    @Test
    void hostUtsAndIpcNamespaces() throws IOException {
        String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        assertEquals(hostname, inside(List.of("--uts", "host"), "hostname").strip());
        String hostIpc = Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")).toString();
        assertEquals(hostIpc, inside(List.of("--ipc", "host"), "readlink /proc/self/ns/ipc").strip());
        assertNotEquals(hostIpc, inside(List.of(), "readlink /proc/self/ns/ipc").strip());
    }

    @Test
    void containerModesJoinAnotherContainersNamespaces() throws IOException {
        background("owner");
        String ownerPid = inspect("owner", "{{.State.Pid}}");
        String out = inside(List.of("--network", "container:owner", "--pid", "container:owner", "--ipc", "container:owner"),
                "readlink /proc/self/ns/net; readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; cat /proc/1/cmdline");
        List<String> expected = new ArrayList<>();
        for (String ns : List.of("net", "pid", "ipc")) {
            expected.add(Files.readSymbolicLink(Path.of("/proc", ownerPid, "ns", ns)).toString());
        }
        assertEquals(expected, out.lines().limit(3).toList());
        assertTrue(out.lines().skip(3).findFirst().orElseThrow().startsWith("sleep"), "pid 1 is the owner's: " + out);
        CommandResult missing = run(List.of("--network", "container:nosuch"), "true");
        assertEquals(125, missing.exitCode(), missing.toString());
        assertTrue(missing.stderr().contains("No such container: nosuch"), missing.toString());
    }

    @Test
    void initRunsAsPidOne() {
        // "; true" keeps sh from exec'ing cat, so without --init pid 1 is sh
        String comm = inside(List.of("--init"), "cat /proc/1/comm; true").strip();
        assertNotEquals("sh", comm, "with --init the command is not pid 1");
        assertEquals("sh", inside(List.of(), "cat /proc/1/comm; true").strip());
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    @Test
    void pauseFreezesAndUnpauseThaws() throws IOException {
        String id = background("frozen");
        assertEquals(0, daemon.docker("pause", "frozen").exitCode());
        assertEquals("paused true true", inspect("frozen", "{{.State.Status}} {{.State.Paused}} {{.State.Running}}"));
        assertEquals("FROZEN", freezerState(id));
        CommandResult ps = daemon.docker("ps", "--filter", "name=frozen", "--format", "{{.Status}}");
        assertTrue(ps.stdout().strip().endsWith("(Paused)"), ps.toString());
        CommandResult stop = daemon.docker("stop", "frozen");
        assertNotEquals(0, stop.exitCode(), "a paused container cannot be stopped: " + stop);
        assertEquals(0, daemon.docker("unpause", "frozen").exitCode());
        assertEquals("running false", inspect("frozen", "{{.State.Status}} {{.State.Paused}}"));
        assertEquals("THAWED", freezerState(id));
    }

    /** Directories named like container ids under berth/ in the memory hierarchy (v1) or the unified one. */
    private static List<Path> containerCgroups() throws IOException {
        Path parent = Files.isDirectory(CGROUP_V1) ? CGROUP_V1.resolve("berth") : Path.of("/sys/fs/cgroup/berth");
        if (!Files.isDirectory(parent)) return List.of();
        try (Stream<Path> children = Files.list(parent)) {
            return children.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).toList();
        }
    }

    private static String freezerState(String id) throws IOException {
        Path v1 = Path.of("/sys/fs/cgroup/freezer/berth", id, "freezer.state");
        if (Files.exists(v1)) return Files.readString(v1).strip();
        String frozen = Files.readString(Path.of("/sys/fs/cgroup/berth", id, "cgroup.freeze")).strip();
        return frozen.equals("1") ? "FROZEN" : "THAWED";
    }

    @Test
    void topListsTheContainersProcesses() {
        background("topped");
        CommandResult top = daemon.docker("top", "topped");
        assertEquals(0, top.exitCode(), top.toString());
        assertTrue(top.stdout().startsWith("UID") && top.stdout().contains("PID"), top.toString());
        assertTrue(top.stdout().lines().anyMatch(l -> l.endsWith("sleep 300")), top.toString());
        assertEquals(2, top.stdout().lines().count(), "the header and the one process: " + top);
        CommandResult custom = daemon.docker("top", "topped", "-o", "pid,comm");
        assertEquals(0, custom.exitCode(), custom.toString());
        assertTrue(custom.stdout().lines().skip(1).allMatch(l -> l.strip().endsWith("sleep")), custom.toString());
        String pid = inspect("topped", "{{.State.Pid}}");
        assertTrue(custom.stdout().contains(pid), custom.toString());
    }

    @Test
    void statsNoStreamPrintsUsageAgainstTheLimit() {
        background("measured", "-m", "64m", "--pids-limit", "20");
        CommandResult stats = daemon.docker("stats", "--no-stream", "--format", "{{.Name}}|{{.MemUsage}}|{{.PIDs}}|{{.CPUPerc}}", "measured");
        assertEquals(0, stats.exitCode(), stats.toString());
        String[] fields = stats.stdout().strip().split("\\|");
        assertEquals("measured", fields[0], stats.toString());
        assertTrue(fields[1].endsWith(" / 64MiB") && !fields[1].startsWith("0B"), stats.toString());
        assertEquals("1", fields[2], stats.toString());
        assertTrue(fields[3].endsWith("%"), stats.toString());
        CommandResult table = daemon.docker("stats", "--no-stream", "measured");
        assertTrue(table.stdout().startsWith("CONTAINER ID") && table.stdout().contains("measured"), table.toString());
    }

    @Test
    void updateChangesTheLimitOfARunningContainer() throws IOException {
        String id = background("grower", "-m", "32m");
        CommandResult update = daemon.docker("update", "-m", "48m", "--pids-limit", "30", "grower");
        assertEquals(0, update.exitCode(), update.toString());
        assertEquals("50331648 30", inspect("grower", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}"));
        Path limit = CGROUP_V1.resolve("berth").resolve(id).resolve("memory.limit_in_bytes");
        Path v2 = Path.of("/sys/fs/cgroup/berth", id, "memory.max");
        assertEquals("50331648", Files.readString(Files.exists(limit) ? limit : v2).strip());
        CommandResult tooSmall = daemon.docker("update", "-m", "1k", "grower");
        assertNotEquals(0, tooSmall.exitCode());
        assertTrue(tooSmall.stderr().contains("Minimum memory limit allowed is 6MB"), tooSmall.toString());
    }

    @Test
    void killSendsTheChosenSignalAndRestartStartsAgain() {
        started.add("hangup");
        CommandResult run = daemon.docker("run", "-d", "--name", "hangup", "busybox", "sh", "-c",
                "trap 'exit 3' HUP; while true; do sleep 0.1; done");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(0, daemon.docker("kill", "-s", "HUP", "hangup").exitCode());
        CommandResult waited = daemon.docker("wait", "hangup");
        assertEquals("3", waited.stdout().strip(), waited.toString());

        background("again");
        String firstStart = inspect("again", "{{.State.StartedAt}}");
        assertEquals(0, daemon.docker("restart", "-t", "1", "again").exitCode());
        assertEquals("running", inspect("again", "{{.State.Status}}"));
        assertNotEquals(firstStart, inspect("again", "{{.State.StartedAt}}"));
    }

    // ---- bad input -----------------------------------------------------------------------------

    @Test
    void badValuesAreRefusedAtCreateLeavingNothingBehind() throws IOException {
        Path malformed = dir.resolve("malformed.json");
        Files.writeString(malformed, "{\"defaultAction\": ");
        Path noAction = dir.resolve("no-action.json");
        Files.writeString(noAction, "{\"syscalls\": []}");
        record Refusal(List<String> flags, String message) {}
        List<Refusal> refusals = List.of(
                new Refusal(List.of("-m", "1k"), "Minimum memory limit allowed is 6MB"),
                new Refusal(List.of("--cpus", "-1"), "Range of CPUs"),
                new Refusal(List.of("--cap-add", "FLY"), "unknown capability: \"CAP_FLY\""),
                new Refusal(List.of("--security-opt", "seccomp=" + malformed), "seccomp"),
                new Refusal(List.of("--security-opt", "seccomp=" + noAction), "seccomp"),
                new Refusal(List.of("--security-opt", "fly=high"), "--security-opt"),
                new Refusal(List.of("-u", "nosuchuser"), "unable to find user nosuchuser"),
                new Refusal(List.of("--group-add", "nosuchgroup"), "nosuchgroup"),
                new Refusal(List.of("--memory-swap", "10m", "-m", "20m"), "memoryswap"),
                new Refusal(List.of("--cpuset-cpus", "64"), "Requested CPUs are not available"),
                new Refusal(List.of("--blkio-weight", "5"), "blkio weight"),
                new Refusal(List.of("--tmpfs", "relative"), "--tmpfs"),
                new Refusal(List.of("--network", "nosuchnet"), "nosuchnet"));
        // other tests on this machine may create cgroups meanwhile: only new container-id-named ones count
        List<Path> cgroupsBefore = containerCgroups();
        for (Refusal refusal : refusals) {
            List<String> args = new ArrayList<>(List.of("run", "--name", "refused"));
            args.addAll(refusal.flags());
            args.addAll(List.of("busybox", "true"));
            CommandResult r = daemon.docker(args.toArray(String[]::new));
            assertEquals(125, r.exitCode(), refusal + ": " + r);
            assertTrue(r.stderr().contains(refusal.message()), refusal + ": " + r);
        }
        assertEquals("", daemon.docker("ps", "-aq").stdout().strip(), "a refused container was recorded");
        try (Stream<Path> left = Files.list(daemon.dataRoot.resolve("containers"))) {
            assertEquals(List.of(), left.toList(), "a refused container left its directory");
        }
        List<Path> cgroupsAfter = new ArrayList<>(containerCgroups());
        cgroupsAfter.removeAll(cgroupsBefore);
        assertEquals(List.of(), cgroupsAfter, "a refused container left a cgroup");
    }
}
