package io.berth.runtime.cgroup;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.LinuxResources;
import io.berth.oci.runtime.LinuxResources.DeviceRule;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * cgroup v2 device control for real: the rules become an eBPF program attached to a cgroup of the host's unified
 * hierarchy (on this hybrid host /sys/fs/cgroup/unified, which needs no controller for it), and a shell that moves
 * itself into that cgroup is refused the devices the rules deny. Runs as root.
 */
class DeviceProgramTest {
    private static final DeviceRule DENY_ALL = new DeviceRule(false, "a", null, null, "rwm");
    private final String path = "berth-device-test-" + ProcessHandle.current().pid();
    private Path unified;
    private CgroupV2Driver driver;

    @BeforeEach
    void findUnifiedHierarchy() {
        unified = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? Path.of("/sys/fs/cgroup") : Path.of("/sys/fs/cgroup/unified");
        assumeTrue(Files.exists(unified.resolve("cgroup.controllers")), "no cgroup2 hierarchy");
        driver = new CgroupV2Driver(unified);
    }

    @AfterEach
    void removeCgroup() throws IOException {
        driver.remove(path);
    }

    /** Runs {@code script} in a busybox shell that first joins the test cgroup (when {@code join}); returns its output. */
    private String shell(boolean join, String script) throws IOException, InterruptedException {
        String joinCgroup = join ? "echo $$ > " + unified.resolve(path).resolve("cgroup.procs") + " || exit 99; " : "";
        java.lang.Process sh = new ProcessBuilder("/bin/busybox", "sh", "-c", joinCgroup + script).redirectErrorStream(true).start();
        String output = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(sh.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(99, sh.exitValue(), "could not join the cgroup: " + output);
        assertNotEquals(98, sh.exitValue(), "a probed device node is missing");
        return output;
    }

    /** Opens /dev/null (c 1:3) and /dev/kmsg (c 1:11, root may read and write it) for reading and for writing. */
    private static final String PROBE = "for dev in null kmsg; do [ -c /dev/$dev ] || exit 98; for mode in r w; do "
            + "if [ $mode = r ]; then (: < /dev/$dev) 2>/dev/null; else (: >> /dev/$dev) 2>/dev/null; fi; echo \"$dev $mode $?\"; done; done";

    @Test
    void aDeniedDeviceCannotBeOpenedFromTheCgroupWhileTheAlwaysAllowedOnesCan() throws Exception {
        assertEquals("null r 0\nnull w 0\nkmsg r 0\nkmsg w 0\n", shell(false, PROBE), "outside the cgroup root may open /dev/kmsg");
        driver.create(path, new LinuxResources(List.of(DENY_ALL), null, null, null, null, null, null, null));
        assertEquals("null r 0\nnull w 0\nkmsg r 1\nkmsg w 1\n", shell(true, PROBE));
        assertTrue(shell(true, ": < /dev/kmsg").contains("Operation not permitted"), "the program answers EPERM");
    }

    @Test
    void theLastMatchingRuleDecidesAndCoversOnlyTheAccessItNames() throws Exception {
        // kmsg (c 1:11) readable only; then /dev/null (c 1:3) denied, but runc's always-allowed rules come last and win
        driver.create(path, new LinuxResources(List.of(DENY_ALL, new DeviceRule(true, "c", 1L, null, "rw"),
                new DeviceRule(false, "c", 1L, 11L, "w"), new DeviceRule(false, "c", 1L, 3L, "rwm")), null, null, null, null, null, null, null));
        assertEquals("null r 0\nnull w 0\nkmsg r 0\nkmsg w 1\n", shell(true, PROBE));
    }

    @Test
    void anUpdateReplacesTheProgram() throws Exception {
        driver.create(path, new LinuxResources(List.of(DENY_ALL), null, null, null, null, null, null, null));
        driver.update(path, new LinuxResources(List.of(new DeviceRule(true, "a", null, null, "rwm")), null, null, null, null, null, null, null));
        assertEquals("null r 0\nnull w 0\nkmsg r 0\nkmsg w 0\n", shell(true, PROBE));
    }

    @Test
    void withoutAnAllDevicesRuleTheDefaultIsToAllow() {
        DeviceProgram program = DeviceProgram.compile(List.of(new DeviceRule(false, "b", 8L, 0L, "w")));
        long last = program.instructions().get(program.instructions().size() - 2);
        assertEquals(0xb7, last & 0xff, "mov r0, imm");
        assertEquals(1, last >>> 32, "the fall-through result allows");
    }

    @Test
    void badRulesAreRefusedBeforeAnythingIsLoaded() {
        assertThrows(InvalidArgumentException.class, () -> DeviceProgram.compile(List.of(new DeviceRule(true, "x", 1L, 1L, "r"))));
        assertThrows(InvalidArgumentException.class, () -> DeviceProgram.compile(List.of(new DeviceRule(true, "c", 1L, 1L, "rq"))));
    }
}
