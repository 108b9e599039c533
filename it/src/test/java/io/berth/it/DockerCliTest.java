package io.berth.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The real docker CLI against a real berthd, which pulls busybox through a real Docker Distribution
 * registry configured as its Docker Hub mirror. Containers run in real namespaces on overlayfs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerCliTest {
    private static MirroredDaemon env;
    private static BerthDaemon daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        env = MirroredDaemon.start("berth-it-");
        daemon = env.daemon();
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (env != null) env.close();
    }

    @Test
    @Order(1)
    void versionAndInfoComeFromBerth() {
        CommandResult version = daemon.docker("version");
        assertEquals(0, version.exitCode(), version.toString());
        assertTrue(version.stdout().contains("Server"), version.toString());
        assertTrue(version.stdout().contains("1.50") || version.stdout().contains("API version"), version.toString());
        CommandResult info = daemon.docker("info");
        assertEquals(0, info.exitCode(), info.toString());
        assertTrue(info.stdout().contains("Docker Root Dir: " + daemon.dataRoot), info.toString());
    }

    @Test
    @Order(2)
    void pullsBusyboxThroughTheMirror() {
        CommandResult pull = daemon.docker("pull", "busybox");
        assertEquals(0, pull.exitCode(), pull.toString());
        assertTrue(pull.stdout().contains("docker.io/library/busybox:latest"), pull.toString());
        CommandResult images = daemon.docker("images", "--format", "{{.Repository}}:{{.Tag}}");
        assertTrue(images.stdout().lines().anyMatch("busybox:latest"::equals), images.toString());
    }

    @Test
    @Order(3)
    void runPrintsOutputAndRemovesTheContainer() {
        CommandResult run = daemon.docker("run", "--rm", "--name", "hello", "busybox", "echo", "hello");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("hello\n", run.stdout());
        CommandResult ps = daemon.docker("ps", "-a", "--format", "{{.Names}}");
        assertFalse(ps.stdout().lines().anyMatch("hello"::equals), "--rm left the container behind: " + ps);
    }

    @Test
    @Order(4)
    void containerIsIsolated() {
        CommandResult pid = daemon.docker("run", "--rm", "busybox", "sh", "-c", "echo $$");
        assertEquals("1", pid.stdout().strip(), pid.toString());

        CommandResult processes = daemon.docker("run", "--rm", "busybox", "sh", "-c", "ls -d /proc/[0-9]* | wc -l");
        int visible = Integer.parseInt(processes.stdout().strip());
        assertTrue(visible <= 3, "host processes are visible in the container: " + processes);

        CommandResult hostname = daemon.docker("run", "--rm", "busybox", "hostname");
        String own = hostname.stdout().strip();
        assertTrue(own.matches("[0-9a-f]{12}"), "hostname should be the short container id: " + hostname);

        CommandResult confinement = daemon.docker("run", "--rm", "busybox", "grep", "-E", "^(Seccomp|CapEff):", "/proc/self/status");
        assertEquals("CapEff:\t00000000a80425fb\nSeccomp:\t2\n", confinement.stdout(),
                "docker's default capabilities and a seccomp filter: " + confinement);

        CommandResult links = daemon.docker("run", "--rm", "busybox", "ls", "/sys/class/net");
        assertEquals(List.of("lo"), links.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).toList(),
                links.toString());
    }

    @Test
    @Order(5)
    void writesLandInTheContainersOwnLayer() {
        CommandResult change = daemon.docker("run", "--name", "writer", "busybox", "sh", "-c",
                "echo changed > /etc/passwd; cat /etc/passwd");
        assertEquals("changed\n", change.stdout(), change.toString());
        CommandResult fresh = daemon.docker("run", "--rm", "busybox", "cat", "/etc/passwd");
        assertTrue(fresh.stdout().startsWith("root:"), "the image was changed by another container: " + fresh);
        assertEquals(0, daemon.docker("rm", "writer").exitCode());
    }

    @Test
    @Order(6)
    void exitCodeStdoutAndStderrAreKept() {
        CommandResult run = daemon.docker("run", "--name", "three", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(3, run.exitCode(), run.toString());
        assertEquals("out\n", run.stdout());
        assertEquals("err\n", run.stderr());
        CommandResult inspect = daemon.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "three");
        assertEquals("exited 3", inspect.stdout().strip(), inspect.toString());
        CommandResult logs = daemon.docker("logs", "three");
        assertEquals("out\n", logs.stdout(), logs.toString());
        assertEquals("err\n", logs.stderr(), logs.toString());
        assertEquals(0, daemon.docker("rm", "three").exitCode());
    }

    @Test
    @Order(7)
    void missingCommandExits127() {
        CommandResult run = daemon.docker("run", "--rm", "busybox", "no-such-command");
        assertEquals(127, run.exitCode(), run.toString());
        assertTrue(run.stderr().contains("executable file not found"), run.toString());
    }

    @Test
    @Order(8)
    void unknownImageFailsAndLeavesNothing() {
        CommandResult run = daemon.docker("run", "--rm", "--name", "ghost", "no-such-image-here");
        assertEquals(125, run.exitCode(), run.toString());
        assertFalse(run.stderr().isBlank(), run.toString());
        CommandResult ps = daemon.docker("ps", "-a", "--format", "{{.Names}}");
        assertFalse(ps.stdout().contains("ghost"), ps.toString());
    }

    @Test
    @Order(9)
    void malformedJsonIsRefusedAndTheDaemonKeepsServing() throws Exception {
        String body = "{\"Image\": \"busybox\", \"Cmd\": [";
        String request = "POST /v1.50/containers/create HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
        String response;
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(daemon.socket));
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (channel.read(buffer) >= 0 && buffer.hasRemaining()) { /* read to EOF */ }
            response = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        }
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertTrue(response.contains("\"message\""), response);
        assertEquals(0, daemon.docker("version").exitCode(), "daemon stopped serving after bad JSON");
    }

    @Test
    @Order(10)
    void pullFromARegistryThatIsDownFailsClearly() {
        CommandResult pull = daemon.docker("pull", "127.0.0.1:1/nothing:latest");
        assertNotEquals(0, pull.exitCode(), pull.toString());
        assertTrue(pull.stderr().contains("127.0.0.1:1"), "the error should name the registry: " + pull);
        CommandResult images = daemon.docker("images", "--format", "{{.Repository}}");
        assertFalse(images.stdout().contains("nothing"), images.toString());
    }

    @Test
    @Order(11)
    void stateSurvivesADaemonRestart() throws Exception {
        CommandResult created = daemon.docker("create", "--name", "survivor", "busybox", "true");
        assertEquals(0, created.exitCode(), created.toString());
        daemon.stop();
        daemon.start();
        CommandResult ps = daemon.docker("ps", "-a", "--format", "{{.Names}}");
        assertTrue(ps.stdout().lines().anyMatch("survivor"::equals), ps.toString());
        CommandResult images = daemon.docker("images", "--format", "{{.Repository}}:{{.Tag}}");
        assertTrue(images.stdout().lines().anyMatch("busybox:latest"::equals), images.toString());
        CommandResult start = daemon.docker("start", "-a", "survivor");
        assertEquals(0, start.exitCode(), start.toString());
        assertEquals(0, daemon.docker("rm", "survivor").exitCode());
    }

    static void deleteTree(Path root) throws Exception {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
        }
    }
}
