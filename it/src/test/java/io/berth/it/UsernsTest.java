package io.berth.it;

import io.berth.engine.userns.IdRange;
import io.berth.engine.userns.SubordinateIds;
import io.berth.testkit.BusyboxImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * berthd --userns-remap through the real docker CLI: a remap account of the test's own (a system user with the first
 * free 65536 subordinate uids and gids, removed with userdel afterwards), busybox imported as a one-layer image.
 */
class UsernsTest {
    private static final String ACCOUNT = "berthtest-it-remap", NO_RANGE = "berthtest-it-norange";
    private static Path dir;
    private static BerthDaemon daemon;
    private static IdRange range;
    private final List<String> containers = new ArrayList<>();

    @BeforeAll
    static void startDaemon() throws Exception {
        assumeTrue(Files.isExecutable(Commands.DOCKER_CLI), "the docker CLI is not installed at " + Commands.DOCKER_CLI);
        for (String name : List.of(ACCOUNT, NO_RANGE)) Commands.run(Map.of(), null, List.of("userdel", name));
        range = SubordinateIds.read(Path.of("/etc/subuid")).firstFree(100000, 65536);
        assertEquals(range, SubordinateIds.read(Path.of("/etc/subgid")).firstFree(range.start(), 65536));
        String ids = range.start() + "-" + (range.end() - 1);
        sh("useradd", "--system", "--no-create-home", "--shell", "/bin/false", "--user-group", ACCOUNT);
        sh("usermod", "--add-subuids", ids, "--add-subgids", ids, ACCOUNT);
        sh("useradd", "--system", "--no-create-home", "--shell", "/bin/false", "--user-group", NO_RANGE);
        dir = Files.createTempDirectory("berth-userns-it-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // the remapped root passes through
        daemon = new BerthDaemon(dir, List.of("--userns-remap", ACCOUNT)).start();
        Path tar = dir.resolve("rootfs.tar");
        BusyboxImage.build().writeRootfsTar(tar);
        ok(daemon.docker("import", tar.toString(), "busybox:latest"));
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        try {
            if (daemon != null) daemon.close();
            if (dir != null) DockerCliTest.deleteTree(dir);
        } finally {
            for (String name : List.of(ACCOUNT, NO_RANGE)) Commands.run(Map.of(), null, List.of("userdel", name));
        }
    }

    @AfterEach
    void removeContainers() {
        for (String name : containers) daemon.docker("rm", "-f", name);
    }

    private static void sh(String... command) {
        CommandResult r = Commands.run(Map.of(), null, List.of(command));
        assertEquals(0, r.exitCode(), r.toString());
    }

    private static String ok(CommandResult r) {
        assertEquals(0, r.exitCode(), r.toString());
        return r.stdout();
    }

    @Test
    void rootInsideIsTheRemapUsersFirstSubordinateId() throws Exception {
        containers.add("remapped");
        String out = ok(daemon.docker("run", "--name", "remapped", "busybox", "sh", "-c",
                "id -u; cat /proc/self/uid_map; stat -c %u:%g /bin/busybox /etc; echo made > /made-inside; ls -l /dev/stdout >/dev/null; "
                        + "echo to-stdout > /dev/stdout"));
        List<String> lines = out.lines().map(String::strip).toList();
        assertEquals("0", lines.get(0));
        assertEquals(List.of("0", Long.toString(range.start()), "65536"), List.of(lines.get(1).split("\\s+")));
        assertEquals(List.of("0:0", "0:0"), lines.subList(2, 4), "the image's files look root-owned inside");
        assertEquals("to-stdout", lines.get(4), "the container's root reopens its stdout");
        String id = ok(daemon.docker("inspect", "-f", "{{.Id}}", "remapped")).strip();
        Path made = daemon.dataRoot.resolve("overlay").resolve(id).resolve("upper/made-inside");
        assertEquals((int) range.start(), (int) Files.getAttribute(made, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                "on the host the file belongs to the subordinate uid");
        assertEquals("", ok(daemon.docker("inspect", "-f", "{{.HostConfig.UsernsMode}}", "remapped")).strip());
        assertEquals(lines, ok(daemon.docker("start", "-a", "remapped")).lines().map(String::strip).toList(),
                "a second start mounts the layers id-mapped again over the same upper dir");
    }

    @Test
    void commonFlagsWorkInTheRemappedNamespace() {
        assertEquals("read-only", ok(daemon.docker("run", "--rm", "--read-only", "busybox", "sh", "-c",
                "touch /x 2>/dev/null && echo writable || echo read-only")).strip());
        assertEquals("1000:1000 via /dev/stdout", ok(daemon.docker("run", "--rm", "--user", "1000:1000", "busybox", "sh", "-c",
                "echo $(id -u):$(id -g) via /dev/stdout > /dev/stdout")).strip(), "a non-root user reopens its stdout");
        assertEquals("0:0 /new/dir", ok(daemon.docker("run", "--rm", "--tmpfs", "/scratch", "-w", "/new/dir", "busybox", "sh", "-c",
                "touch /scratch/f && echo $(stat -c %u:%g /scratch/f) $(pwd)")).strip());
        assertEquals("/dev/pts/0", ok(daemon.docker("run", "--rm", "-t", "busybox", "tty")).strip());
    }

    @Test
    void layersOfACommittedImageStackIdMappedWithTheirWhiteouts() {
        containers.add("builder");
        ok(daemon.docker("run", "--name", "builder", "--userns=host", "busybox", "sh", "-c",
                "echo second > /second-layer; rm /bin/ls; chown 1000:1000 /second-layer"));
        ok(daemon.docker("commit", "builder", "layered:latest"));
        try {
            String out = ok(daemon.docker("run", "--rm", "layered", "sh", "-c",
                    "cat /second-layer; stat -c %u:%g /second-layer /bin/busybox; test -e /bin/ls && echo ls-back || echo ls-gone"));
            assertEquals(List.of("second", "1000:1000", "0:0", "ls-gone"), out.lines().toList());
        } finally {
            daemon.docker("rmi", "-f", "layered:latest");
        }
    }

    @Test
    void commitOfARemappedContainerRecordsTheIdsItSaw() {
        containers.add("writer");
        ok(daemon.docker("run", "--name", "writer", "busybox", "sh", "-c", "echo x > /owned; chown 1000:1000 /owned"));
        assertTrue(ok(daemon.docker("diff", "writer")).lines().toList().contains("A /owned"));
        ok(daemon.docker("commit", "writer", "written:latest"));
        try {
            assertEquals("1000:1000", ok(daemon.docker("run", "--rm", "--userns=host", "written", "stat", "-c", "%u:%g", "/owned")).strip(),
                    "the host's user namespace sees the container's ids, not the subordinate ones");
        } finally {
            daemon.docker("rmi", "-f", "written:latest");
        }
    }

    @Test
    void execJoinsTheContainersUserNamespace() {
        containers.add("sleeper");
        ok(daemon.docker("run", "-d", "--name", "sleeper", "busybox", "sleep", "300"));
        String out = ok(daemon.docker("exec", "sleeper", "sh", "-c", "id -u; cat /proc/self/uid_map; touch /by-exec && echo wrote"));
        List<String> lines = out.lines().map(String::strip).toList();
        assertEquals("0", lines.get(0));
        assertEquals(Long.toString(range.start()), lines.get(1).split("\\s+")[1]);
        assertEquals("wrote", lines.get(2));
    }

    @Test
    void userNamespaceHostOptsOut() {
        containers.add("hostusers");
        String out = ok(daemon.docker("run", "--name", "hostusers", "--userns=host", "busybox", "cat", "/proc/self/uid_map"));
        assertEquals(List.of("0", "0", "4294967295"), List.of(out.strip().split("\\s+")));
        assertEquals("host", ok(daemon.docker("inspect", "-f", "{{.HostConfig.UsernsMode}}", "hostusers")).strip());
        String privileged = ok(daemon.docker("run", "--rm", "--privileged", "--userns=host", "busybox", "cat", "/proc/self/uid_map"));
        assertTrue(privileged.contains("4294967295"), privileged);
    }

    @Test
    void infoReportsTheRemapAndConflictsAreRefusedLikeDockerd() {
        assertTrue(ok(daemon.docker("info", "--format", "{{json .SecurityOptions}}")).contains("name=userns"));
        CommandResult privileged = daemon.docker("run", "--rm", "--privileged", "busybox", "true");
        assertEquals(125, privileged.exitCode(), privileged.toString());
        assertTrue(privileged.stderr().contains("privileged mode is incompatible with user namespaces"), privileged.stderr());
        CommandResult hostNetwork = daemon.docker("run", "--rm", "--network", "host", "busybox", "true");
        assertTrue(hostNetwork.stderr().contains("cannot share the host's network namespace when user namespaces are enabled"),
                hostNetwork.toString());
        CommandResult malformed = daemon.docker("run", "--rm", "--userns", "bogus", "busybox", "true");
        assertTrue(malformed.stderr().contains("--userns: invalid USER mode"), malformed.toString());
        assertEquals("", ok(daemon.docker("ps", "-aq")).strip(), "nothing was created");
    }

    @Test
    void badRemapValuesStopTheDaemonNamingTheFlagAndLeaveNothing() throws Exception {
        String subuid = Files.readString(Path.of("/etc/subuid")), passwd = Files.readString(Path.of("/etc/passwd"));
        for (var bad : List.of(List.of("berthtest-nosuchuser", "--userns-remap: no such user: berthtest-nosuchuser"),
                List.of(NO_RANGE, "--userns-remap: user \"" + NO_RANGE + "\" has no subordinate uid range in /etc/subuid"),
                List.of("a:b:c", "--userns-remap: invalid value \"a:b:c\""))) {
            Path other = Files.createDirectory(dir.resolve("bad-" + bad.getFirst().replace(':', '_')));
            BerthDaemon failing = new BerthDaemon(other, List.of("--userns-remap", bad.getFirst()));
            IllegalStateException e = assertThrows(IllegalStateException.class, failing::start);
            assertTrue(e.getMessage().contains(bad.get(1)), e.getMessage());
            assertFalse(Files.exists(other.resolve("berthd.pid")), "no pid file is left");
            assertFalse(Files.exists(other.resolve("data")), "no data root was made");
            failing.stop();
        }
        assertEquals(subuid, Files.readString(Path.of("/etc/subuid")));
        assertEquals(passwd, Files.readString(Path.of("/etc/passwd")));
    }
}
