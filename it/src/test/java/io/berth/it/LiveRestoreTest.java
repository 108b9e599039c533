package io.berth.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Step 3's promise that the daemon is never the only holder of a container: berthd is killed with
 * SIGKILL while containers run, one exits and one loses its monitor while it is down, and the
 * restarted daemon reports all of them right and serves logs, exec, attach and stop on the survivors.
 * Driven with the real docker CLI.
 */
class LiveRestoreTest {
    private static MirroredDaemon env;
    private static BerthDaemon daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        env = MirroredDaemon.start("berth-it-restore-");
        daemon = env.daemon();
        assertEquals(0, daemon.docker("pull", "busybox").exitCode());
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (env != null) env.close();
    }

    private static String ok(CommandResult r) {
        assertEquals(0, r.exitCode(), r.toString());
        return r.stdout().strip();
    }

    @Test
    void containersOutliveAKilledDaemonAndAreServedAgainAfterItsRestart() throws Exception {
        ok(daemon.docker("run", "-d", "--name", "ticker", "busybox", "sh", "-c",
                "i=0; while true; do echo tick$i; i=$((i+1)); sleep 0.1; done"));
        ok(daemon.docker("run", "-d", "--name", "quitter", "busybox", "sh", "-c", "sleep 1; echo bye; exit 5"));
        ok(daemon.docker("run", "-d", "-i", "--name", "listener", "busybox", "cat"));
        String orphan = ok(daemon.docker("run", "-d", "--name", "orphan", "busybox", "sleep", "60"));
        int orphanPid = Integer.parseInt(ok(daemon.docker("inspect", "-f", "{{.State.Pid}}", orphan)));
        int orphanMonitor = parentOf(orphanPid);

        daemon.kill();
        // While the daemon is down: the quitter exits on its own, the orphan loses its monitor and its process.
        new ProcessBuilder("kill", "-9", String.valueOf(orphanMonitor), String.valueOf(orphanPid)).start().waitFor();
        Thread.sleep(2000);
        daemon.start();

        assertEquals("true", ok(daemon.docker("inspect", "-f", "{{.State.Running}}", "ticker")));
        assertEquals("false 5", ok(daemon.docker("inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", "quitter")));
        assertEquals("bye", ok(daemon.docker("logs", "quitter")));
        assertEquals("exited", ok(daemon.docker("inspect", "-f", "{{.State.Status}}", "orphan")),
                "a container whose monitor is gone is marked exited, not lost");

        // Output written while the daemon was down is in the log, and the log keeps growing.
        String logs = ok(daemon.docker("logs", "ticker"));
        int ticks = (int) logs.lines().count();
        assertTrue(ticks >= 15, "ticks logged across the restart: " + ticks);
        assertTrue(logs.lines().toList().equals(java.util.stream.IntStream.range(0, ticks).mapToObj(i -> "tick" + i).toList()),
                "no tick lost or repeated");

        assertEquals("inside", ok(daemon.docker("exec", "ticker", "echo", "inside")));
        assertEquals(3, daemon.docker("exec", "ticker", "sh", "-c", "exit 3").exitCode());

        // Attach with stdin to a container started before the crash: what is typed reaches cat.
        // After its input ends the docker CLI waits for the container to exit (to report its code), as with dockerd: cut it short.
        Commands.run(java.util.Map.of("DOCKER_HOST", daemon.host()), "typed after restart\n".getBytes(StandardCharsets.UTF_8),
                List.of("timeout", "-s", "KILL", "5", Commands.DOCKER_CLI.toString(), "attach", "listener"));
        assertEquals("typed after restart", waitForLog("listener", "typed after restart"));

        ok(daemon.docker("stop", "-t", "1", "ticker"));
        assertEquals("false", ok(daemon.docker("inspect", "-f", "{{.State.Running}}", "ticker")));
        ok(daemon.docker("rm", "-f", "ticker", "quitter", "listener", "orphan"));
    }

    private static String waitForLog(String container, String expected) throws InterruptedException {
        String last = "";
        for (int i = 0; i < 100; i++) {
            last = daemon.docker("logs", container).stdout().strip();
            if (last.contains(expected)) return expected;
            Thread.sleep(50);
        }
        return last;
    }

    private static int parentOf(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String afterName = stat.substring(stat.lastIndexOf(')') + 2);
        return Integer.parseInt(afterName.split(" ")[1]);
    }
}
