package io.berth.runtime.plan;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Mount;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.RootfsMount;
import io.berth.runtime.cgroup.HierarchyMount;
import io.berth.runtime.spec.SpecDefaults;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class PlanBuilderTest {
    private static final Path LOG = Path.of("/var/log/c.json"), EXIT = Path.of("/run/berth/c/exit");
    private static final StdioPlan LOGGED = new StdioPlan.Relayed(io.berth.runtime.ProcessIo.logTo(LOG), null);

    private static Plan build(Spec spec, List<RootfsMount> rootfs) {
        return new PlanBuilder(spec, rootfs, List.of(Path.of("/sys/fs/cgroup/pids/berth/c/cgroup.procs")), LOGGED, EXIT).build();
    }

    private static Spec defaultSpec() {
        return SpecDefaults.spec("/rootfs", List.of("sh", "-c", ""), "c", "berth/c");
    }

    @Test
    void serialisesRecordsAsCountedNulSeparatedTokens() {
        byte[] bytes = new Plan().add("exec", "sh", "-c", "").add("loopback").toBytes();
        assertEquals("exec\0" + "3\0sh\0-c\0\0loopback\0" + "0\0", new String(bytes, StandardCharsets.UTF_8));
    }

    @Test
    void rejectsNulInsideAnArgument() {
        assertThrows(IllegalArgumentException.class, () -> new Plan().add("env", "A=\0"));
    }

    @Test
    void parsesMountOptionsIntoFlagsPropagationAndData() {
        MountOptions options = MountOptions.parse(List.of("nosuid", "nodev", "ro", "rbind", "rslave", "size=64m", "mode=755"));
        assertEquals(LinuxFlags.MS_NOSUID | LinuxFlags.MS_NODEV | LinuxFlags.MS_RDONLY | LinuxFlags.MS_BIND | LinuxFlags.MS_REC,
                options.flags());
        assertEquals(LinuxFlags.MS_SLAVE | LinuxFlags.MS_REC, options.propagation());
        assertEquals("size=64m,mode=755", options.data());
        assertEquals(0, MountOptions.parse(List.of("ro", "rw")).flags());
    }

    @Test
    void ordersSetupLikeTheKernelNeedsIt() {
        List<String> ops = build(defaultSpec(), List.of()).records().stream().map(Plan.Record::op).distinct().toList();
        List<String> expected = List.of("log", "exit_file", "root", "clone_flags", "join_cgroup", "unshare", "propagation", "mount",
                "mknod", "symlink", "pivot_root", "mkdir", "mask", "readonly", "hostname", "loopback", "bounding", "user", "caps",
                "cwd", "env", "exec");
        assertEquals(expected, ops);
    }

    @Test
    void mountsTheRootfsThenBindsItThenSpecMountsInSpecOrder() {
        Plan plan = build(defaultSpec(), List.of(new RootfsMount("overlay", "overlay", List.of("lowerdir=/l", "upperdir=/u", "workdir=/w"))));
        List<Plan.Record> mounts = plan.records("mount");
        assertEquals(List.of("rootfs", "overlay", "/rootfs", "overlay", "0", "lowerdir=/l,upperdir=/u,workdir=/w", "", "0"),
                mounts.get(0).args());
        assertEquals(List.of("rootfs", "/rootfs", "/rootfs", "", Long.toString(LinuxFlags.MS_BIND | LinuxFlags.MS_REC), "", "", "0"),
                mounts.get(1).args());
        List<String> destinations = mounts.stream().skip(2).map(r -> r.args().get(0)).toList();
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/sys", "/dev/mqueue", "/dev/shm"), destinations,
                "without hierarchies the cgroup mount is skipped");
        assertEquals("/rootfs/dev/pts", mounts.get(4).args().get(2));
        assertEquals(Long.toString(LinuxFlags.MS_NOSUID | LinuxFlags.MS_STRICTATIME), mounts.get(3).args().get(4));
        assertEquals("mode=755,size=65536k", mounts.get(3).args().get(5));
    }

    @Test
    void unsharesTheCgroupNamespaceOnlyAfterJoiningTheCgroup() {
        List<Plan.Record> records = build(defaultSpec(), List.of()).records();
        int clone = records.indexOf(build(defaultSpec(), List.of()).records("clone_flags").getFirst());
        long cloneFlags = Long.parseLong(records.get(clone).args().getFirst());
        assertEquals(LinuxFlags.CLONE_NEWNS | LinuxFlags.CLONE_NEWNET | LinuxFlags.CLONE_NEWUTS | LinuxFlags.CLONE_NEWPID
                | LinuxFlags.CLONE_NEWIPC, cloneFlags);
        assertEquals("join_cgroup", records.get(clone + 1).op());
        assertEquals(new Plan.Record("unshare", List.of(Long.toString(LinuxFlags.CLONE_NEWCGROUP))), records.get(clone + 2));
    }

    @Test
    void makesLongOverlayLayerListsRelativeToTheirCommonDirectory() {
        String layers = IntStream.range(0, 50).mapToObj(i -> "/var/lib/berth/layers/" + "%064x".formatted(i) + "/diff")
                .collect(Collectors.joining(":"));
        RootfsMount overlay = new RootfsMount("overlay", "overlay",
                List.of("lowerdir=" + layers, "upperdir=/var/lib/berth/layers/up/diff", "workdir=/var/lib/berth/layers/up/work"));
        assertTrue(overlay.options().getFirst().length() > PlanBuilder.MOUNT_DATA_LIMIT, "the test needs a list over a page");
        List<String> args = build(defaultSpec(), List.of(overlay)).records("mount").getFirst().args();
        assertEquals("/var/lib/berth/layers", args.get(6));
        assertTrue(args.get(5).startsWith("lowerdir=" + "%064x".formatted(0) + "/diff:"), args.get(5));
        assertTrue(args.get(5).endsWith(",upperdir=up/diff,workdir=up/work"), args.get(5));
        assertTrue(args.get(5).length() <= PlanBuilder.MOUNT_DATA_LIMIT);
    }

    @Test
    void mountsV1HierarchiesInATmpfsThatIsThenMadeReadOnly() {
        List<HierarchyMount> v1 = List.of(new HierarchyMount("cpu", "cgroup", "cpu", Path.of("/sys/fs/cgroup/cpu/berth/c")),
                new HierarchyMount("memory", "cgroup", "memory", Path.of("/sys/fs/cgroup/memory/berth/c")));
        Plan plan = new PlanBuilder(defaultSpec(), List.of(), List.of(), LOGGED, EXIT).cgroupHierarchies(v1).build();
        List<List<String>> cgroupMounts = plan.records("mount").stream().map(Plan.Record::args)
                .filter(a -> a.get(0).startsWith("/sys/fs/cgroup")).toList();
        long flags = LinuxFlags.MS_NOSUID | LinuxFlags.MS_NOEXEC | LinuxFlags.MS_NODEV | LinuxFlags.MS_RELATIME;
        assertEquals(List.of(
                List.of("/sys/fs/cgroup", "tmpfs", "/rootfs/sys/fs/cgroup", "tmpfs", Long.toString(flags), "mode=755", "", "0"),
                List.of("/sys/fs/cgroup/cpu", "cgroup", "/rootfs/sys/fs/cgroup/cpu", "cgroup", Long.toString(flags | LinuxFlags.MS_RDONLY), "cpu", "", "0"),
                List.of("/sys/fs/cgroup/memory", "cgroup", "/rootfs/sys/fs/cgroup/memory", "cgroup", Long.toString(flags | LinuxFlags.MS_RDONLY), "memory", "", "0")),
                cgroupMounts);
        assertEquals(List.of("/rootfs/sys/fs/cgroup", Long.toString(flags | LinuxFlags.MS_RDONLY)), plan.records("remount").getFirst().args());
    }

    @Test
    void mountsTheUnifiedHierarchyDirectlyAndBindsWithoutACgroupNamespace() {
        List<HierarchyMount> v2 = List.of(new HierarchyMount("", "cgroup2", "", Path.of("/sys/fs/cgroup/berth/c")));
        Plan own = new PlanBuilder(defaultSpec(), List.of(), List.of(), LOGGED, EXIT).cgroupHierarchies(v2).build();
        List<String> mount = own.records("mount").stream().map(Plan.Record::args)
                .filter(a -> a.get(0).equals("/sys/fs/cgroup")).findFirst().orElseThrow();
        assertEquals(List.of("cgroup", "/rootfs/sys/fs/cgroup", "cgroup2"), mount.subList(1, 4));
        assertTrue(own.records("remount").isEmpty(), "no tmpfs to make read-only on v2");

        Spec base = defaultSpec();
        List<io.berth.oci.runtime.Linux.Namespace> hostCgroupNs = base.linux().namespaces().stream()
                .filter(ns -> !ns.type().equals("cgroup")).toList();
        var linux = base.linux();
        Spec spec = new Spec(base.ociVersion(), base.process(), base.root(), base.hostname(), null, base.mounts(),
                new io.berth.oci.runtime.Linux(hostCgroupNs, null, null, null, linux.resources(), linux.cgroupsPath(), null, null,
                        null, null, linux.devices(), null, null), null);
        Plan bound = new PlanBuilder(spec, List.of(), List.of(), LOGGED, EXIT).cgroupHierarchies(v2).build();
        List<String> bind = bound.records("mount").stream().map(Plan.Record::args)
                .filter(a -> a.get(0).equals("/sys/fs/cgroup")).findFirst().orElseThrow();
        assertEquals("/sys/fs/cgroup/berth/c", bind.get(1));
        assertTrue((Long.parseLong(bind.get(4)) & LinuxFlags.MS_BIND) != 0);
        assertTrue(bound.records("unshare").isEmpty());
    }

    @Test
    void translatesCapabilityNamesToKernelBits() {
        assertEquals("0x1", PlanBuilder.capabilityMask(List.of("CAP_CHOWN")));
        assertEquals("0x200001", PlanBuilder.capabilityMask(List.of("CAP_CHOWN", "SYS_ADMIN")));
        assertThrows(InvalidArgumentException.class, () -> PlanBuilder.capabilityMask(List.of("CAP_FLY")));
    }

    @Test
    void rejectsMountDestinationsOutsideTheRootfs() {
        Spec spec = defaultSpec();
        Spec escaping = new Spec(spec.ociVersion(), spec.process(), spec.root(), spec.hostname(), null,
                List.of(new Mount("/../etc", "tmpfs", "tmpfs", List.of())), spec.linux(), null);
        assertThrows(InvalidArgumentException.class, () -> build(escaping, List.of()));
    }

    @Test
    void passesTheProcessVerbatim() {
        Plan plan = build(defaultSpec(), List.of());
        assertEquals(List.of("sh", "-c", ""), plan.records("exec").getFirst().args());
        assertEquals(List.of("PATH=" + SpecDefaults.PATH), plan.records("env").getFirst().args());
        assertEquals(List.of("0", "0"), plan.records("user").getFirst().args());
    }

    private static Spec withTerminal(Spec base, io.berth.oci.runtime.Process.ConsoleSize size) {
        var p = base.process();
        var process = new io.berth.oci.runtime.Process(true, size, p.user(), p.args(), null, p.env(), p.cwd(), p.capabilities(),
                p.rlimits(), p.noNewPrivileges(), null, null, null);
        return new Spec(base.ociVersion(), process, base.root(), base.hostname(), null, base.mounts(), base.linux(), null);
    }

    @Test
    void tellsTheMonitorAboutRotationStdinAndTheControlSocketAndSetsUpTheTerminalAfterPivotRoot() {
        var io = new io.berth.runtime.ProcessIo(LOG, new io.berth.runtime.LogRotation(1000, 3), true);
        Plan plan = new PlanBuilder(withTerminal(defaultSpec(), new io.berth.oci.runtime.Process.ConsoleSize(30, 100)), List.of(), List.of(),
                new StdioPlan.Relayed(io, Path.of("/run/s/abc")), EXIT).build();
        List<String> ops = plan.records().stream().map(Plan.Record::op).toList();
        assertEquals(List.of("log", "log_rotate", "open_stdin", "control_socket", "console_size", "exit_file"), ops.subList(0, 6));
        assertEquals(List.of("1000", "3"), plan.records("log_rotate").getFirst().args());
        assertEquals(List.of("30", "100"), plan.records("console_size").getFirst().args(), "rows, then columns");
        assertEquals(ops.indexOf("pivot_root") + 1, ops.indexOf("terminal"));
        assertEquals(List.of("/dev/console"), plan.records("terminal").getFirst().args());
        assertTrue(build(defaultSpec(), List.of()).records("terminal").isEmpty(), "no terminal unless the process asks for one");
    }

    @Test
    void anExecsTerminalComesAfterItJoinsTheMountNamespaceAndBindsNoConsole() {
        Spec spec = withTerminal(defaultSpec(), null);
        Plan plan = PlanBuilder.execPlan(spec, spec.process(), 42, List.of(), new StdioPlan.Relayed(io.berth.runtime.ProcessIo.logTo(null), null), EXIT);
        List<Plan.Record> records = plan.records();
        assertTrue(plan.records("log").isEmpty(), "no log: output discarded");
        assertTrue(plan.records("stdio_inherit").isEmpty());
        int terminal = records.indexOf(plan.records("terminal").getFirst());
        assertEquals(new Plan.Record("join_ns", List.of("/proc/42/ns/mnt", Long.toString(LinuxFlags.CLONE_NEWNS))), records.get(terminal - 1));
        assertEquals(List.of(""), records.get(terminal).args());
    }

    @Test
    void anInheritedTerminalNeedsAConsoleSocketAsWithRunc() {
        Spec spec = withTerminal(defaultSpec(), null);
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> new PlanBuilder(spec, List.of(), List.of(), new StdioPlan.Inherited(null), EXIT).build());
        assertEquals("cannot allocate tty if runc will detach without setting console socket", e.getMessage());
        Plan plan = new PlanBuilder(spec, List.of(), List.of(), new StdioPlan.Inherited(Path.of("/tmp/console.sock")), EXIT).build();
        assertEquals(List.of("/tmp/console.sock"), plan.records("console_socket").getFirst().args());
    }
}
