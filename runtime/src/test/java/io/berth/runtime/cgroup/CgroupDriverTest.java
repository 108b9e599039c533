package io.berth.runtime.cgroup;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.LinuxResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs as root against the host's cgroup hierarchies. */
class CgroupDriverTest {
    private static final String PARENT = "berth-cgroup-test-" + ProcessHandle.current().pid();
    private final String path = PARENT + "/cg";
    private CgroupDriver driver;

    @AfterEach
    void removeCgroups() throws IOException {
        if (driver != null) {
            driver.remove(path);
            driver.remove(PARENT);
        }
    }

    @Test
    void detectsTheHostsHierarchy() throws IOException {
        CgroupVersion expected = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? CgroupVersion.V2 : CgroupVersion.V1;
        assertEquals(expected, CgroupDriver.detect().version());
    }

    @Test
    void createsLimitsAndRemovesV1Cgroups() throws IOException {
        assumeTrue(!Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")), "host runs cgroup v2");
        driver = CgroupDriver.detect();
        LinuxResources resources = new LinuxResources(null,
                new LinuxResources.Memory(64L << 20, null, null, null, null, null, null, null, null),
                new LinuxResources.Cpu(512L, 50000L, null, 100000L, null, null, null, null, null),
                new LinuxResources.Pids(42L), null, null, null, null);
        List<Path> procs = driver.create(path, resources);
        assertTrue(procs.contains(Path.of("/sys/fs/cgroup/memory", path, "cgroup.procs")), procs.toString());
        assertEquals(Long.toString(64L << 20), read("memory", "memory.limit_in_bytes"));
        assertEquals("42", read("pids", "pids.max"));
        assertEquals("512", read("cpu", "cpu.shares"));
        assertEquals("50000", read("cpu", "cpu.cfs_quota_us"));
        assertFalse(read("cpuset", "cpuset.cpus").isEmpty(), "cpuset.cpus copied from the parent");
        driver.remove(path);
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory", path)));
    }

    @Test
    void createsAndRemovesV2Cgroups() throws IOException {
        Path unified = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? Path.of("/sys/fs/cgroup") : Path.of("/sys/fs/cgroup/unified");
        assumeTrue(Files.exists(unified.resolve("cgroup.controllers")), "no cgroup2 hierarchy");
        driver = new CgroupV2Driver(unified);
        List<Path> procs = driver.create(path, new LinuxResources(null, null, null, null, null, null, null, null));
        assertEquals(List.of(unified.resolve(path).resolve("cgroup.procs")), procs);
        assertTrue(Files.exists(procs.getFirst()));
        driver.remove(path);
        assertFalse(Files.exists(unified.resolve(path)));
    }

    @Test
    void keepsCgroupPathsInsideTheHierarchy() {
        assertEquals(Path.of("berth/x"), CgroupDriver.relative("/berth/x"));
        assertThrows(InvalidArgumentException.class, () -> CgroupDriver.relative("../../etc"));
        assertThrows(InvalidArgumentException.class, () -> CgroupDriver.relative("/"));
    }

    @Test
    void convertsV1WeightsLikeRunc() {
        assertEquals(1, CgroupV2Driver.weightFromShares(2));
        assertEquals(39, CgroupV2Driver.weightFromShares(1024));
        assertEquals(10000, CgroupV2Driver.weightFromShares(262144));
        assertEquals("c 136:* rwm", CgroupV1Driver.deviceRule(new LinuxResources.DeviceRule(true, "c", 136L, null, "rwm")));
    }

    /**
     * This host's cgroup2 (/sys/fs/cgroup/unified) offers no controller but hugetlb, so the v2 limit files are
     * checked against a file tree shaped like a unified hierarchy; freezing needs no controller and runs for real below.
     */
    @Test
    void writesV2LimitsUpdatesAndStatsInAUnifiedHierarchy(@org.junit.jupiter.api.io.TempDir Path fixture) throws IOException {
        Files.writeString(fixture.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        Files.writeString(fixture.resolve("cgroup.subtree_control"), "");
        Path dir = fixture.resolve("berth/c1");
        Files.createDirectories(dir);
        Files.writeString(fixture.resolve("berth/cgroup.controllers"), "cpuset cpu io memory pids\n");
        Files.writeString(fixture.resolve("berth/cgroup.subtree_control"), "");
        for (String file : List.of("memory.swap.max", "io.weight")) Files.writeString(dir.resolve(file), "");
        CgroupV2Driver v2 = new CgroupV2Driver(fixture);
        v2.create("berth/c1", new LinuxResources(null,
                new LinuxResources.Memory(64L << 20, 32L << 20, 96L << 20, null, null, null, null, null, null),
                new LinuxResources.Cpu(1024L, 50000L, null, 100000L, null, null, "0-1", "0", null),
                new LinuxResources.Pids(42L), new LinuxResources.BlockIO(500, null, null, null, null, null, null), null, null, null));
        assertEquals("+cpuset +cpu +io +memory +pids", Files.readString(fixture.resolve("cgroup.subtree_control")));
        assertEquals(Long.toString(64L << 20), Files.readString(dir.resolve("memory.max")));
        assertEquals(Long.toString(32L << 20), Files.readString(dir.resolve("memory.low")));
        assertEquals(Long.toString(32L << 20), Files.readString(dir.resolve("memory.swap.max")), "v2 limits swap alone");
        assertEquals("39", Files.readString(dir.resolve("cpu.weight")));
        assertEquals("50000 100000", Files.readString(dir.resolve("cpu.max")));
        assertEquals("0-1", Files.readString(dir.resolve("cpuset.cpus")));
        assertEquals("42", Files.readString(dir.resolve("pids.max")));
        assertEquals("default " + CgroupV2Driver.ioWeightFromBlkio(500), Files.readString(dir.resolve("io.weight")));

        v2.update("berth/c1", new LinuxResources(null, null, null, new LinuxResources.Pids(0L), null, null, null, null));
        assertEquals("max", Files.readString(dir.resolve("pids.max")), "0 lifts the limit");

        Files.writeString(dir.resolve("memory.current"), "4096\n");
        Files.writeString(dir.resolve("memory.max"), "max\n");
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 1500\nuser_usec 1000\n");
        Files.writeString(dir.resolve("pids.current"), "3\n");
        CgroupStats stats = v2.stats("berth/c1");
        assertEquals(List.of(4096L, CgroupStats.UNLIMITED, 1_500_000L, 3L, CgroupStats.UNLIMITED),
                List.of(stats.memoryUsage(), stats.memoryLimit(), stats.cpuUsageNanos(), stats.pids(), stats.pidsLimit()));
        assertEquals(dir.resolve("memory.events"), v2.oomEventsFile("berth/c1"));
    }

    @Test
    void freezesAndThawsAProcessInTheRealCgroup2Hierarchy() throws Exception {
        Path unified = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? Path.of("/sys/fs/cgroup") : Path.of("/sys/fs/cgroup/unified");
        assumeTrue(Files.exists(unified.resolve("cgroup.controllers")), "no cgroup2 hierarchy");
        driver = new CgroupV2Driver(unified);
        freezeAndThaw(driver, unified.resolve(path));
    }

    @Test
    void freezesAndThawsAProcessWithTheV1Freezer() throws Exception {
        assumeTrue(!Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")), "host runs cgroup v2");
        driver = CgroupDriver.detect();
        freezeAndThaw(driver, Path.of("/sys/fs/cgroup/freezer", path));
    }

    private void freezeAndThaw(CgroupDriver cgroups, Path dir) throws Exception {
        List<Path> procs = cgroups.create(path, null);
        java.lang.Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            for (Path file : procs) Files.writeString(file, Long.toString(sleeper.pid()));
            assertEquals(List.of((int) sleeper.pid()), cgroups.processes(path));
            cgroups.freeze(path, true);
            String frozen = Files.exists(dir.resolve("cgroup.events")) ? Files.readString(dir.resolve("cgroup.events")) : Files.readString(dir.resolve("freezer.state"));
            assertTrue(frozen.contains("frozen 1") || frozen.strip().equals("FROZEN"), frozen);
            assertTrue(cgroups.frozen(path));
            cgroups.freeze(path, false);
            assertFalse(cgroups.frozen(path));
            String thawed = Files.exists(dir.resolve("cgroup.events")) ? Files.readString(dir.resolve("cgroup.events")) : Files.readString(dir.resolve("freezer.state"));
            assertTrue(thawed.contains("frozen 0") || thawed.strip().equals("THAWED"), thawed);
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
    }

    private String read(String controller, String file) throws IOException {
        return Files.readString(Path.of("/sys/fs/cgroup", controller, path, file)).strip();
    }
}
