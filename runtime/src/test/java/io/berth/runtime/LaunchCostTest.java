package io.berth.runtime;

import io.berth.oci.runtime.Linux;
import io.berth.oci.runtime.LinuxResources;
import io.berth.oci.runtime.Seccomp;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.cgroup.CgroupDriver;
import io.berth.runtime.seccomp.SeccompCompiler;
import io.berth.runtime.seccomp.SeccompFilters;
import io.berth.runtime.spec.SpecDefaults;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the time of a start goes, for the issue note: compiling a docker-sized seccomp profile and setting up a
 * limited cgroup, each against a whole start-to-exit of `true` in a warm JVM (the in-process path berthd uses).
 */
@Timeout(120)
class LaunchCostTest {
    private static final Path SHIM = Path.of(System.getProperty("berth.shim", "../native/target/bin/berth-shim"));
    private static final int RUNS = 30;

    /** Like docker's default: every x86_64 call allowed by name but a few, clone and personality filtered by argument. */
    static Seccomp dockerSizedProfile() throws Exception {
        List<String> names = new ArrayList<>();
        try (var in = new BufferedReader(new InputStreamReader(
                SeccompCompiler.class.getResourceAsStream("syscalls-x86_64.tsv"), StandardCharsets.UTF_8))) {
            in.lines().filter(l -> !l.startsWith("#")).map(l -> l.split("\t")[0])
                    .filter(n -> !List.of("clone", "personality", "mount", "umount2", "unshare", "keyctl", "ptrace", "reboot").contains(n))
                    .forEach(names::add);
        }
        List<Seccomp.Syscall> rules = new ArrayList<>();
        rules.add(new Seccomp.Syscall(names, "SCMP_ACT_ALLOW", null, null));
        rules.add(new Seccomp.Syscall(List.of("clone"), "SCMP_ACT_ALLOW", null,
                List.of(new Seccomp.Arg(0, 2114060288L, null, "SCMP_CMP_MASKED_EQ"))));
        for (long persona : List.of(0L, 8L, 131072L, 131080L, 4294967295L))
            rules.add(new Seccomp.Syscall(List.of("personality"), "SCMP_ACT_ALLOW", null, List.of(new Seccomp.Arg(0, persona, null, "SCMP_CMP_EQ"))));
        return new Seccomp("SCMP_ACT_ERRNO", 1, List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), null, null, null, rules);
    }

    @Test
    void seccompCompilationAndCgroupSetupAreASmallShareOfAStart() throws Exception {
        Seccomp profile = dockerSizedProfile();
        for (int i = 0; i < 20; i++) SeccompCompiler.compile(SeccompFilters.fromSpec(profile)); // warm, like a running daemon
        double compile = median(RUNS, () -> SeccompCompiler.compile(SeccompFilters.fromSpec(profile)));

        CgroupDriver cgroups = CgroupDriver.detect();
        String parent = "berth-launch-cost-" + ProcessHandle.current().pid();
        LinuxResources limits = new LinuxResources(SpecDefaults.deviceRules(),
                new LinuxResources.Memory(64L << 20, null, null, null, null, null, null, null, null),
                new LinuxResources.Cpu(512L, 50000L, null, 100000L, null, null, null, null, null), new LinuxResources.Pids(100L),
                null, null, null, null);
        double cgroup;
        try {
            cgroup = median(RUNS, () -> {
                cgroups.create(parent + "/c", limits);
                cgroups.remove(parent + "/c");
            });
        } finally {
            cgroups.remove(parent + "/c");
        }

        Path rootfs = BusyboxRootfs.create();
        Path work = Files.createTempDirectory("berth-launch-cost");
        try (ContainerRuntime runtime = new ContainerRuntime(SHIM, work.resolve("state"))) {
            int[] n = {0};
            double start = median(RUNS, () -> {
                String id = "cost" + n[0]++;
                Spec base = SpecDefaults.spec(rootfs.toString(), List.of("true"), "cost", parent + "/" + id);
                Linux l = base.linux();
                Spec spec = new Spec(base.ociVersion(), base.process(), base.root(), base.hostname(), null, base.mounts(),
                        new Linux(l.namespaces(), null, null, null, limits, l.cgroupsPath(), profile, null, l.maskedPaths(),
                                l.readonlyPaths(), l.devices(), null, null), null);
                runtime.start(id, spec, List.of(), work.resolve(id + ".log")).exit().get(10, TimeUnit.SECONDS);
                runtime.delete(id);
            });
            LaunchTimings last = runtime.lastLaunchTimings();
            System.out.printf("start-to-exit of true with a docker-sized seccomp profile and limits: median %.2f ms;"
                            + " seccomp compile %.2f ms (%.0f%%), cgroup create+limits+remove %.2f ms (%.0f%%);"
                            + " last start: cgroup %.2f ms, plan %.2f ms, shim %.2f ms%n",
                    start, compile, 100 * compile / start, cgroup, 100 * cgroup / start,
                    last.cgroupNanos() / 1e6, last.planNanos() / 1e6, last.shimNanos() / 1e6);
            assertTrue(compile + cgroup < start / 2, "seccomp and cgroups must not dominate a start");
        } finally {
            BusyboxRootfs.deleteTree(rootfs);
            BusyboxRootfs.deleteTree(work);
            cgroups.remove(parent);
        }
    }

    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private static double median(int runs, Step step) throws Exception {
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long begin = System.nanoTime();
            step.run();
            ms[i] = (System.nanoTime() - begin) / 1e6;
        }
        Arrays.sort(ms);
        return ms[runs / 2];
    }
}
