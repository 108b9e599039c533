package io.berth.it;

import io.berth.testkit.BusyboxImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** bin/berth against a real berthd, offline: the image comes from `berth import` of a busybox rootfs. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BerthCliTest {
    private static Path dir;
    private static BerthDaemon daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        dir = Files.createTempDirectory("berth-cli-it-");
        daemon = new BerthDaemon(dir, List.of()).start();
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) daemon.close();
        if (dir != null) DockerCliTest.deleteTree(dir);
    }

    @Test
    @Order(1)
    void importsARootfsTarball() throws Exception {
        Path tar = dir.resolve("rootfs.tar");
        BusyboxImage.build().writeRootfsTar(tar);
        CommandResult imported = daemon.berthWithInput(Files.readAllBytes(tar), "import", "-", "busybox:latest");
        assertEquals(0, imported.exitCode(), imported.toString());
        assertTrue(imported.stdout().strip().startsWith("sha256:"), imported.toString());
        CommandResult images = daemon.berth("images");
        assertEquals(0, images.exitCode(), images.toString());
        assertTrue(images.stdout().startsWith("REPOSITORY"), images.toString());
        assertTrue(images.stdout().lines().anyMatch(l -> l.startsWith("busybox") && l.contains("latest")), images.toString());
    }

    @Test
    @Order(2)
    void runShowsStdoutAndStderrAndReturnsTheExitCode() {
        CommandResult run = daemon.berth("run", "--name", "talker", "busybox", "sh", "-c", "echo to-out; echo to-err >&2; exit 7");
        assertEquals(7, run.exitCode(), run.toString());
        assertEquals("to-out\n", run.stdout());
        assertEquals("to-err\n", run.stderr());
    }

    @Test
    @Order(3)
    void psLogsAndRm() {
        CommandResult running = daemon.berth("ps");
        assertEquals(0, running.exitCode(), running.toString());
        assertFalse(running.stdout().contains("talker"), "an exited container is not in plain ps: " + running);
        CommandResult all = daemon.berth("ps", "-a");
        assertTrue(all.stdout().startsWith("CONTAINER ID"), all.toString());
        assertTrue(all.stdout().lines().anyMatch(l -> l.contains("talker") && l.contains("Exited (7)")), all.toString());

        CommandResult logs = daemon.berth("logs", "talker");
        assertEquals("to-out\n", logs.stdout(), logs.toString());
        assertEquals("to-err\n", logs.stderr(), logs.toString());

        String id = daemon.docker("inspect", "-f", "{{.Id}}", "talker").stdout().strip();
        CommandResult rm = daemon.berth("rm", "talker");
        assertEquals(0, rm.exitCode(), rm.toString());
        assertFalse(daemon.berth("ps", "-a").stdout().contains("talker"));
        assertNoCgroupLeft(id);
        assertFalse(Files.exists(daemon.dataRoot.resolve("containers").resolve(id)), "container dir left behind");
    }

    @Test
    @Order(4)
    void runRemoveLeavesNothing() {
        CommandResult run = daemon.berth("run", "--rm", "busybox", "echo", "gone");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("gone\n", run.stdout());
        CommandResult all = daemon.berth("ps", "-aq");
        assertEquals("", all.stdout().strip(), "--rm left a container: " + all);
    }

    @Test
    @Order(5)
    void versionAndInfo() {
        CommandResult version = daemon.berth("version");
        assertEquals(0, version.exitCode(), version.toString());
        assertTrue(version.stdout().contains("Client") && version.stdout().contains("Server"), version.toString());
        CommandResult info = daemon.berth("info");
        assertEquals(0, info.exitCode(), info.toString());
    }

    @Test
    @Order(6)
    void errorsAreClear() {
        CommandResult noSuchContainer = daemon.berth("logs", "nope");
        assertNotEquals(0, noSuchContainer.exitCode());
        assertTrue(noSuchContainer.stderr().contains("No such container"), noSuchContainer.toString());

        CommandResult missing = daemon.berth("run", "--rm", "busybox", "no-such-command");
        assertEquals(127, missing.exitCode(), missing.toString());

        CommandResult badFlag = daemon.berth("run", "--no-such-flag", "busybox");
        assertEquals(125, badFlag.exitCode(), badFlag.toString());
        assertTrue(badFlag.stderr().contains("--no-such-flag"), badFlag.toString());

        CommandResult down = Commands.run(java.util.Map.of("BERTH_HOST", "unix://" + dir.resolve("absent.sock")), null,
                List.of(Commands.REPO_ROOT.resolve("bin/berth").toString(), "ps"));
        assertNotEquals(0, down.exitCode());
        assertTrue(down.stderr().contains("absent.sock"), down.toString());
    }

    private static void assertNoCgroupLeft(String id) {
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                Path cgroup = hierarchy.resolve("berth").resolve(id);
                assertFalse(Files.exists(cgroup), "cgroup left behind: " + cgroup);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
