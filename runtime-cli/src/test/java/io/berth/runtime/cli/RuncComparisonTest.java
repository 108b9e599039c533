package io.berth.runtime.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static io.berth.runtime.cli.Bundles.check;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One bundle (runc spec's defaults plus limits) run by runc and by bin/berth-runtime: the container must see the
 * same mounts, capabilities, seccomp mode, no_new_privs, cgroup limits, ids, hostname and devices. Differences
 * allowed, each deliberate:
 * <ul>
 *   <li>the tmpfs holding the v1 hierarchies at /sys/fs/cgroup is read-only with berth-runtime (runc leaves it
 *       writable although the spec mounts cgroup read-only);</li>
 *   <li>runc also shows the named "systemd" v1 hierarchy; berth-runtime shows the controllers' hierarchies only;</li>
 *   <li>mounts are compared as a sorted list: the order of the cgroup hierarchies differs.</li>
 * </ul>
 */
@Timeout(120)
class RuncComparisonTest {
    private static final String REPORT = "awk '{print $5, $6, $9}' /proc/self/mountinfo;"
            + " grep -E '^(Cap|Seccomp|NoNewPrivs)' /proc/self/status;"
            + " if [ -e /sys/fs/cgroup/cgroup.controllers ]; then cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max;"
            + " else cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; fi;"
            + " id; hostname; ls /dev; ulimit -n";
    private static final String LIMITS = """
            s['hostname'] = 'compared'
            s['linux']['resources'] = {'memory': {'limit': 67108864}, 'pids': {'limit': 50},
                                       'devices': [{'allow': False, 'access': 'rwm'}]}
            s['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'hard': 2048, 'soft': 1024}]
            """;
    private static final Map<String, UnaryOperator<String>> ALLOWED = Map.of(
            "/sys/fs/cgroup rw,nosuid,nodev,noexec,relatime tmpfs", line -> line.replace(" rw,", " ro,"),
            "/sys/fs/cgroup/systemd ro,nosuid,nodev,noexec,relatime cgroup", line -> null);

    private Path work;

    @BeforeEach
    void createWorkDirectory() throws Exception {
        work = Files.createTempDirectory("berth-runc-comparison");
    }

    @AfterEach
    void deleteWorkDirectory() throws Exception {
        Bundles.run(work, List.of("runc", "--root", work.resolve("runc").toString(), "delete", "--force", "compared"));
        Bundles.run(work, Bundles.berthRuntime(work.resolve("berth"), "delete", "--force", "compared"));
        Bundles.deleteTree(work);
    }

    @Test
    void theContainerSeesTheSameWorldUnderBothRuntimes() throws Exception {
        Path bundle = Bundles.create(work.resolve("bundle"), REPORT, LIMITS);
        String runc = check(Bundles.run(bundle, List.of("runc", "--root", work.resolve("runc").toString(), "run", "compared"))).stdout();
        String berth = check(Bundles.run(bundle, Bundles.berthRuntime(work.resolve("berth"), "run", "compared"))).stdout();
        assertEquals(normalise(runc, true), normalise(berth, false));
    }

    private static List<String> normalise(String report, boolean fromRunc) {
        return report.lines()
                .map(line -> fromRunc && ALLOWED.containsKey(line) ? ALLOWED.get(line).apply(line) : line)
                .filter(java.util.Objects::nonNull).sorted().toList();
    }
}
