package io.berth.runtime.cli;

import io.berth.linux.LinuxException;
import io.berth.linux.Syscalls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * `docker run --runtime berth`: Debian's dockerd 20.10 (a comparison tool here), started on private directories with
 * bin/berth-runtime added as a runtime, drives it through containerd-shim-runc-v2 with runc's command line. The shim
 * is a subreaper that expects the container's pid 1 to become its child, which only the monitor-less mode gives.
 */
@Timeout(300)
class DockerdRuntimeTest {
    private static final String IMAGE = "berth-it-busybox:latest";
    private static Path work;
    private static String cgroupParent;
    private static java.lang.Process dockerd;

    record Docker(int exitCode, String stdout, String stderr) {}

    @BeforeAll
    static void startDockerd() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/dockerd")) || Files.isExecutable(Path.of("/usr/bin/dockerd")), "dockerd is not installed");
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        // short: containerd's sockets live under the exec root, and a unix socket path holds 107 bytes
        work = Files.createTempDirectory(Path.of("/tmp"), "bdk");
        cgroupParent = "berth-it-dockerd-" + tag;
        dockerd = new ProcessBuilder("dockerd", "--data-root", work.resolve("data").toString(), "--exec-root", work.resolve("exec").toString(),
                "--pidfile", work.resolve("dockerd.pid").toString(), "-H", "unix://" + work.resolve("docker.sock"),
                "--containerd-namespace", "berth-it-" + tag, "--containerd-plugins-namespace", "berth-it-plugins-" + tag,
                "--iptables=false", "--ip6tables=false", "--bridge=none", "--cgroup-parent", cgroupParent,
                "--add-runtime", "berth=" + Bundles.BERTH_RUNTIME)
                .redirectErrorStream(true).redirectOutput(work.resolve("dockerd.log").toFile()).start();
        for (int attempt = 0; docker("version").exitCode() != 0; attempt++) {
            if (attempt > 300 || !dockerd.isAlive()) fail("dockerd did not come up: " + Files.readString(work.resolve("dockerd.log")));
            Thread.sleep(100);
        }
        Path rootfs = work.resolve("rootfs"), tar = work.resolve("busybox.tar");
        Bundles.create(rootfs, "true", ""); // a bundle's rootfs/ is a busybox tree; the image is made of it
        Files.createDirectories(rootfs.resolve("rootfs/etc"));
        Files.writeString(rootfs.resolve("rootfs/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Bundles.check(Bundles.run(work, List.of("tar", "-C", rootfs.resolve("rootfs").toString(), "-cf", tar.toString(), ".")));
        Docker imported = docker("import", tar.toString(), IMAGE);
        assertEquals(0, imported.exitCode(), imported.stderr());
    }

    @AfterAll
    static void stopDockerd() throws Exception {
        if (work == null) return;
        if (dockerd != null) {
            Docker containers = docker("ps", "-aq");
            for (String id : containers.stdout().split("\n")) if (!id.isBlank()) docker("rm", "-f", id.strip());
            dockerd.destroy(); // SIGTERM: dockerd stops its containerd too
            if (!dockerd.waitFor(60, TimeUnit.SECONDS)) dockerd.destroyForcibly().waitFor();
        }
        // shims of our namespace outlive containerd by design
        for (int pid : processesMentioning(work.toString())) {
            try {
                Syscalls.kill(pid, 9);
            } catch (LinuxException e) {
                // gone meanwhile
            }
        }
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(line -> line.split(" ")[4])
                .filter(target -> target.startsWith(work.toString())).sorted(Comparator.reverseOrder()).toList();
        for (String target : mounts) Syscalls.umount(Path.of(target), Syscalls.MNT_DETACH);
        for (Path hierarchy : cgroupHierarchies()) removeCgroupTree(hierarchy.resolve(cgroupParent));
        Bundles.deleteTree(work);
    }

    static Docker docker(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker", "-H", "unix://" + work.resolve("docker.sock")));
        command.addAll(List.of(args));
        Path out = work.resolve("docker.out"), err = work.resolve("docker.err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("DOCKER_CONFIG", work.resolve("docker-config").toString());
        java.lang.Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        return new Docker(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void aForegroundRunPrintsItsOutputAndExitsWithTheContainersStatus() throws Exception {
        Docker run = docker("run", "--rm", "--runtime", "berth", "--network", "none", IMAGE, "sh", "-c", "echo hi; echo oops >&2; exit 3");
        assertEquals(new Docker(3, "hi\n", "oops\n"), run);
    }

    @Test
    void aDetachedContainerTakesExecsStopsAndLeavesNothingOfBerthBehind() throws Exception {
        Docker started = docker("run", "-d", "--runtime", "berth", "--network", "none", IMAGE, "sh", "-c", "trap 'exit 42' TERM; while :; do sleep 0.1; done");
        assertEquals(0, started.exitCode(), started.stderr());
        String id = started.stdout().strip();
        int pid = Integer.parseInt(docker("inspect", "-f", "{{.State.Pid}}", id).stdout().strip());
        // pid 1's parent is containerd's shim, the subreaper: no monitor of Berth's sits between them
        String parent = Files.readString(Path.of("/proc", Integer.toString(parentOf(pid)), "cmdline"));
        assertTrue(parent.startsWith("/usr/bin/containerd-shim-runc-v2") || parent.startsWith("containerd-shim"), parent);

        assertEquals(new Docker(0, "in the container\n", ""), docker("exec", id, "echo", "in the container"));
        assertEquals(7, docker("exec", id, "sh", "-c", "exit 7").exitCode());
        assertEquals(new Docker(0, "/dev/pts/0\r\n", ""), docker("exec", "-t", id, "tty")); // a terminal ends lines with CR LF
        assertTrue(docker("top", id).stdout().contains("sleep"), "docker top lists the container's processes");

        assertEquals(0, docker("pause", id).exitCode());
        assertEquals("paused\n", docker("inspect", "-f", "{{.State.Status}}", id).stdout());
        assertEquals(0, docker("unpause", id).exitCode());

        Docker stopped = docker("stop", "-t", "10", id);
        assertEquals(0, stopped.exitCode(), stopped.stderr());
        assertEquals("exited 42\n", docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", id).stdout());
        assertEquals(0, docker("rm", id).exitCode());
        for (Path hierarchy : cgroupHierarchies())
            assertFalse(Files.exists(hierarchy.resolve(cgroupParent).resolve(id)), "the container's cgroup is gone from " + hierarchy);
        assertEquals(List.of(), processesMentioning(id + "/plan"), "no shim of Berth's is left");
    }

    @Test
    void aCommandThatDoesNotExistFailsTheRunWithDockersMessage() throws Exception {
        Docker run = docker("run", "--rm", "--runtime", "berth", "--network", "none", IMAGE, "no-such-command");
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("no-such-command"), run.stderr());
    }

    private static int parentOf(int pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status")))
            if (line.startsWith("PPid:")) return Integer.parseInt(line.substring(5).strip());
        throw new IllegalStateException("no PPid in /proc/" + pid + "/status");
    }

    /** Pids whose command line contains {@code text}. */
    private static List<Integer> processesMentioning(String text) throws IOException {
        List<Integer> pids = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    if (new String(Files.readAllBytes(entry.resolve("cmdline")), StandardCharsets.UTF_8).contains(text))
                        pids.add(Integer.parseInt(entry.getFileName().toString()));
                } catch (IOException e) {
                    // exited meanwhile
                }
            }
        }
        pids.remove((Integer) (int) ProcessHandle.current().pid());
        return pids;
    }

    /** Every cgroup hierarchy mounted under /sys/fs/cgroup (v1 controllers and the unified one). */
    private static List<Path> cgroupHierarchies() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(line -> line.contains(" - cgroup"))
                .map(line -> Path.of(line.split(" ")[4])).distinct().toList();
    }

    private static void removeCgroupTree(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.filter(Files::isDirectory).toList()) removeCgroupTree(child);
        }
        Files.delete(dir);
    }
}
