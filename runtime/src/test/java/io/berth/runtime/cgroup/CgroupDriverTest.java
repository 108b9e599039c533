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

    private String read(String controller, String file) throws IOException {
        return Files.readString(Path.of("/sys/fs/cgroup", controller, path, file)).strip();
    }
}
