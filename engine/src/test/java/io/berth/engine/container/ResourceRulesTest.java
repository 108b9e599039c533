package io.berth.engine.container;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.LinuxResources;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ResourceRulesTest {
    private final ResourceRules rules = new ResourceRules("0-1");

    private static Resources memory(Long memory, Long swap, Long reservation) {
        return new Resources(memory, swap, reservation, null, null, null, null, null, null, null, null, null);
    }

    private static Resources cpu(Long nanoCpus, Long shares, Long quota, Long period, String cpuset) {
        return new Resources(null, null, null, nanoCpus, shares, quota, period, cpuset, null, null, null, null);
    }

    private String refusal(Resources r) {
        return assertThrows(InvalidArgumentException.class, () -> rules.forCreate(r)).getMessage();
    }

    @Test
    void refusesWhatDockerdRefusesWithItsMessages() {
        assertEquals("Minimum memory limit allowed is 6MB", refusal(memory(1024L, null, null)));
        assertEquals("Minimum memoryswap limit should be larger than memory limit, see usage",
                refusal(memory(20L << 20, 10L << 20, null)));
        assertEquals("You should always set the Memory limit when using Memoryswap limit, see usage",
                refusal(memory(null, 10L << 20, null)));
        assertEquals("Minimum memory limit can not be less than memory reservation limit, see usage",
                refusal(memory(10L << 20, null, 20L << 20)));
        assertEquals("Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available",
                refusal(cpu(-1_000_000_000L, null, null, null, null)));
        assertEquals("Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available",
                refusal(cpu(3_000_000_000L, null, null, null, null)));
        assertEquals("Conflicting options: Nano CPUs and CPU Quota cannot both be set",
                refusal(cpu(500_000_000L, null, 50_000L, null, null)));
        assertEquals("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)",
                refusal(cpu(null, null, null, 10L, null)));
        assertEquals("Requested CPUs are not available - requested 7, available: 0-1", refusal(cpu(null, null, null, null, "7")));
        assertEquals("Invalid value 1-x for cpuset cpus", refusal(cpu(null, null, null, null, "1-x")));
        assertEquals("Range of blkio weight is from 10 to 1000",
                refusal(new Resources(null, null, null, null, null, null, null, null, null, null, 5, null)));
    }

    @Test
    void memorySwapDefaultsToTwiceMemoryAndSharesAreClamped() {
        Resources r = rules.forCreate(new Resources(32L << 20, null, null, null, 1L, null, null, "0-1", null, 10L, 500, null));
        assertEquals(64L << 20, r.memorySwap());
        assertEquals(2L, r.cpuShares());
        assertEquals(-1L, rules.forCreate(memory(32L << 20, -1L, null)).memorySwap(), "-1 keeps swap unlimited");
    }

    @Test
    void translatesToOciResources() {
        Resources r = rules.forCreate(new Resources(32L << 20, null, 16L << 20, 1_500_000_000L, 512L, null, null, "1", null,
                10L, 300, true));
        LinuxResources linux = ResourceRules.toLinux(r, List.of());
        assertEquals(32L << 20, linux.memory().limit());
        assertEquals(64L << 20, linux.memory().swap());
        assertEquals(16L << 20, linux.memory().reservation());
        assertEquals(Boolean.TRUE, linux.memory().disableOOMKiller());
        assertEquals(100_000L, linux.cpu().period());
        assertEquals(150_000L, linux.cpu().quota());
        assertEquals(512L, linux.cpu().shares());
        assertEquals("1", linux.cpu().cpus());
        assertEquals(10L, linux.pids().limit());
        assertEquals(300, linux.blockIO().weight());
        LinuxResources none = ResourceRules.toLinux(Resources.NONE, List.of());
        assertNull(none.memory());
        assertNull(none.cpu());
        assertNull(none.pids());
        assertEquals(-1L, ResourceRules.toLinux(rules.forCreate(
                new Resources(null, null, null, null, null, null, null, null, null, -1L, null, null)), null).pids().limit(),
                "-1 reaches the runtime as unlimited, so update can lift a limit");
    }

    @Test
    void updateKeepsWhatItDoesNotChangeAndGuardsTheSwapLimit() {
        Resources current = rules.forCreate(new Resources(32L << 20, null, null, null, null, null, null, null, null, 20L, null, null));
        Resources updated = rules.forUpdate(current, memory(48L << 20, null, null));
        assertEquals(48L << 20, updated.memory());
        assertEquals(20L, updated.pidsLimit());
        String message = assertThrows(InvalidArgumentException.class,
                () -> rules.forUpdate(current, memory(128L << 20, null, null))).getMessage();
        assertTrue(message.startsWith("Memory limit should be smaller than already set memoryswap limit"), message);
        assertEquals(256L << 20, rules.forUpdate(current, memory(128L << 20, 256L << 20, null)).memorySwap());
    }
}
