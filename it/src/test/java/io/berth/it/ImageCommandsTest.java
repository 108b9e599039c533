package io.berth.it;

import io.berth.testkit.BusyboxImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Step 4 end to end: the real docker CLI and bin/berth against real berthd daemons and real
 * Docker Distribution registries (one open, one with htpasswd auth): push and pull back elsewhere,
 * login/logout, save/load, history, commit, diff, prune, system df, and bad input.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageCommandsTest {
    private static Path dir;
    private static TestRegistry registry;
    private static TestRegistry authRegistry;
    private static BerthDaemon daemon;
    private static BerthDaemon second;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Commands.DOCKER_CLI), "the docker CLI is not installed at " + Commands.DOCKER_CLI);
        dir = Files.createTempDirectory("berth-it-images-");
        registry = TestRegistry.start();
        authRegistry = TestRegistry.startWithHtpasswd("alice", "s3cret");
        BusyboxImage.build().push(registry, "library/busybox:latest");
        List<String> flags = List.of("--registry-mirror", registry.uri().toString(),
                "--insecure-registry", registry.host(), "--insecure-registry", authRegistry.host());
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        daemon = new BerthDaemon(dir.resolve("a"), flags).start();
        second = new BerthDaemon(dir.resolve("b"), flags).start();
        ok(daemon.docker("pull", "busybox"));
    }

    @AfterAll
    static void stop() throws Exception {
        // Each step runs even when an earlier one fails, so no daemon, registry or directory is left behind.
        try {
            if (daemon != null) daemon.close();
        } finally {
            try {
                if (second != null) second.close();
            } finally {
                try {
                    if (registry != null) registry.close();
                } finally {
                    try {
                        if (authRegistry != null) authRegistry.close();
                    } finally {
                        if (dir != null) DockerCliTest.deleteTree(dir);
                    }
                }
            }
        }
    }

    private static CommandResult ok(CommandResult result) {
        assertEquals(0, result.exitCode(), result.toString());
        return result;
    }

    private static String imageId(BerthDaemon d, String image) {
        return ok(d.docker("image", "inspect", "--format", "{{.Id}}", image)).stdout().strip();
    }

    /** bin/berth with its own config dir, so logins never touch the real ~/.berth. */
    private static CommandResult berth(byte[] stdin, String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_HOST", daemon.host());
        env.put("BERTH_CONFIG", dir.resolve("berth-config").toString());
        return Commands.run(env, stdin, Commands.concat(Commands.REPO_ROOT.resolve("bin/berth").toString(), args));
    }

    @Test
    @Order(1)
    void dockerPushesAndASecondDaemonPullsTheSameImage() {
        String target = registry.host() + "/it/busybox:v1";
        ok(daemon.docker("tag", "busybox", target));
        CommandResult push = ok(daemon.docker("push", target));
        assertTrue(push.stdout().contains("v1: digest: sha256:"), push.toString());
        CommandResult again = ok(daemon.docker("push", target));
        assertTrue(again.stdout().contains("Layer already exists"), again.toString());

        CommandResult pull = ok(second.berth("pull", target));
        assertTrue(pull.stdout().contains(target), pull.toString());
        assertEquals(imageId(daemon, "busybox"), imageId(second, target));
    }

    @Test
    @Order(2)
    void berthPushAllTagsAndPullByDigestAndPlatform() {
        String repo = registry.host() + "/it/tags";
        ok(daemon.berth("tag", "busybox", repo + ":a"));
        ok(daemon.berth("tag", "busybox", repo + ":b"));
        CommandResult push = ok(daemon.berth("push", "-a", repo));
        assertTrue(push.stdout().contains("a: digest: sha256:") && push.stdout().contains("b: digest: sha256:"), push.toString());
        String digest = push.stdout().replaceAll("(?s).*digest: (sha256:[0-9a-f]{64}).*", "$1");
        ok(second.berth("pull", "--platform", "linux/amd64", repo + "@" + digest));
        CommandResult all = ok(second.docker("pull", "-a", repo));
        assertTrue(all.stdout().contains(repo), all.toString());
        assertEquals(imageId(daemon, "busybox"), imageId(second, repo + ":a"));
        assertEquals(imageId(daemon, "busybox"), imageId(second, repo + ":b"));
        ok(second.docker("rmi", repo + ":a", repo + ":b"));
        ok(second.berth("pull", "--all-tags", repo));
        assertEquals(imageId(daemon, "busybox"), imageId(second, repo + ":b"));
    }

    @Test
    @Order(3)
    void loginChecksCredentialsAndPushUsesTheStoredLogin() {
        String host = authRegistry.host();
        CommandResult bad = Commands.run(Map.of("DOCKER_HOST", daemon.host(), "DOCKER_CONFIG", daemon.dir.resolve("docker-config").toString()),
                "wrong\n".getBytes(StandardCharsets.UTF_8),
                List.of(Commands.DOCKER_CLI.toString(), "login", "-u", "alice", "--password-stdin", host));
        assertNotEquals(0, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().contains("unauthorized"), bad.toString());
        CommandResult good = Commands.run(Map.of("DOCKER_HOST", daemon.host(), "DOCKER_CONFIG", daemon.dir.resolve("docker-config").toString()),
                "s3cret\n".getBytes(StandardCharsets.UTF_8),
                List.of(Commands.DOCKER_CLI.toString(), "login", "-u", "alice", "--password-stdin", host));
        assertEquals(0, good.exitCode(), good.toString());
        assertTrue(good.stdout().contains("Login Succeeded"), good.toString());
        String target = host + "/private/busybox:v1";
        ok(daemon.docker("tag", "busybox", target));
        ok(daemon.docker("push", target));

        CommandResult anonymous = berth(null, "push", target);
        assertNotEquals(0, anonymous.exitCode(), anonymous.toString());
        ok(berth("s3cret".getBytes(StandardCharsets.UTF_8), "login", "-u", "alice", "--password-stdin", host));
        assertTrue(Files.exists(dir.resolve("berth-config/config.json")));
        ok(berth(null, "push", target));
        ok(berth(null, "pull", target));
        CommandResult logout = ok(berth(null, "logout", host));
        assertTrue(logout.stdout().contains("Removing login credentials for " + host), logout.toString());
        assertNotEquals(0, berth(null, "pull", target).exitCode());
    }

    @Test
    @Order(4)
    void saveAndLoadRoundTripBetweenDaemons() throws Exception {
        Path archive = dir.resolve("busybox.tar");
        ok(daemon.docker("save", "-o", archive.toString(), "busybox"));
        assertTrue(Files.size(archive) > 100_000, "archive size " + Files.size(archive));
        ok(second.docker("rmi", "-f", imageId(second, registry.host() + "/it/busybox:v1")));
        CommandResult load = ok(second.docker("load", "-i", archive.toString()));
        assertTrue(load.stdout().contains("Loaded image: busybox:latest"), load.toString());
        assertEquals(imageId(daemon, "busybox"), imageId(second, "busybox"));

        // docker save | docker load, streamed from one daemon into the other.
        ok(second.docker("rmi", "busybox"));
        CommandResult pipe = ok(Commands.run(Map.of(), null, List.of("sh", "-c",
                "DOCKER_HOST=" + daemon.host() + " docker save busybox | DOCKER_HOST=" + second.host() + " docker load")));
        assertTrue(pipe.stdout().contains("Loaded image: busybox:latest"), pipe.toString());
        assertEquals(imageId(daemon, "busybox"), imageId(second, "busybox"));

        Path berthArchive = dir.resolve("berth-save.tar");
        ok(daemon.berth("save", "-o", berthArchive.toString(), "busybox"));
        ok(second.berth("rmi", "busybox"));
        CommandResult fromStdin = ok(second.berthWithInput(Files.readAllBytes(berthArchive), "load"));
        assertTrue(fromStdin.stdout().contains("Loaded image: busybox:latest"), fromStdin.toString());
        assertEquals(imageId(daemon, "busybox"), imageId(second, "busybox"));
    }

    @Test
    @Order(5)
    void historyListsTheLayers() {
        CommandResult docker = ok(daemon.docker("history", "busybox"));
        assertTrue(docker.stdout().startsWith("IMAGE"), docker.toString());
        assertTrue(docker.stdout().contains(imageId(daemon, "busybox").substring(7, 19)), docker.toString());
        CommandResult berth = ok(daemon.berth("history", "--no-trunc", "busybox"));
        assertTrue(berth.stdout().contains(imageId(daemon, "busybox")), berth.toString());
    }

    @Test
    @Order(6)
    void commitMakesAnImageWithTheContainersChanges() {
        ok(daemon.docker("run", "--name", "changer", "busybox", "sh", "-c", "echo committed > /hello; rm /etc/hostname.keep 2>/dev/null; true"));
        CommandResult diff = ok(daemon.docker("diff", "changer"));
        assertTrue(diff.stdout().lines().anyMatch("A /hello"::equals), diff.toString());
        assertTrue(ok(daemon.berth("diff", "changer")).stdout().lines().anyMatch("A /hello"::equals));

        CommandResult commit = ok(daemon.berth("commit", "-m", "added hello", "-a", "tester", "-c", "CMD [\"cat\", \"/hello\"]",
                "-c", "ENV GREETING=hi", "changer", "committed:v1"));
        assertTrue(commit.stdout().strip().startsWith("sha256:"), commit.toString());
        CommandResult run = ok(daemon.docker("run", "--rm", "committed:v1"));
        assertEquals("committed\n", run.stdout());
        assertEquals("hi\n", ok(daemon.docker("run", "--rm", "committed:v1", "sh", "-c", "echo $GREETING")).stdout());
        CommandResult history = ok(daemon.docker("history", "committed:v1"));
        assertTrue(history.stdout().contains("added hello"), history.toString());
        assertEquals("tester|added hello", ok(daemon.docker("inspect", "--format", "{{.Author}}|{{.Comment}}", "committed:v1")).stdout().strip());

        String viaDocker = ok(daemon.docker("commit", "changer")).stdout().strip();
        assertTrue(viaDocker.startsWith("sha256:"), viaDocker);
    }

    @Test
    @Order(7)
    void pruneRemovesDanglingThenUnusedImagesButKeepsThoseOfStoppedContainers() {
        String dangling = ok(daemon.docker("commit", "changer")).stdout().strip();
        CommandResult prune = ok(daemon.berth("image", "prune", "-f"));
        assertTrue(prune.stdout().contains("deleted: " + dangling), prune.toString());
        assertTrue(prune.stdout().contains("Total reclaimed space"), prune.toString());
        assertNotEquals(0, daemon.docker("image", "inspect", dangling).exitCode());

        ok(daemon.docker("tag", "committed:v1", "unused:v1"));
        ok(daemon.docker("rm", "-f", "changer"));
        ok(daemon.docker("create", "--name", "keeper", "busybox", "true"));
        CommandResult all = ok(daemon.docker("image", "prune", "-a", "-f"));
        assertTrue(all.stdout().contains("untagged: unused:v1"), all.toString());
        ok(daemon.docker("image", "inspect", "busybox"));
        assertNotEquals(0, daemon.docker("image", "inspect", "committed:v1").exitCode());
    }

    @Test
    @Order(8)
    void systemDfAndImageFilters() {
        CommandResult docker = ok(daemon.docker("system", "df"));
        assertTrue(docker.stdout().contains("Images") && docker.stdout().contains("Containers"), docker.toString());
        CommandResult berth = ok(daemon.berth("system", "df"));
        assertTrue(berth.stdout().lines().anyMatch(l -> l.startsWith("Containers") && l.contains(" 1 ")), berth.toString());
        CommandResult filtered = ok(daemon.docker("images", "--filter", "reference=busy*", "--format", "{{.Repository}}"));
        assertEquals(List.of("busybox"), filtered.stdout().lines().toList());
        CommandResult digests = ok(daemon.berth("images", "--digests", "busybox"));
        assertTrue(digests.stdout().startsWith("REPOSITORY   TAG       DIGEST"), digests.toString());
        assertTrue(digests.stdout().matches("(?s).*busybox\\s+latest\\s+sha256:[0-9a-f]{64}.*"), digests.toString());
        CommandResult none = ok(daemon.docker("images", "--filter", "dangling=true", "-q"));
        assertEquals("", none.stdout());
    }

    @Test
    @Order(9)
    void badInputFailsClearlyAndLeavesNothingBehind() throws Exception {
        int down;
        try (ServerSocket free = new ServerSocket(0)) {
            down = free.getLocalPort();
        }
        String target = "127.0.0.1:" + down + "/nobody/busybox:v1";
        ok(daemon.docker("tag", "busybox", target));
        CommandResult push = daemon.docker("push", target);
        assertNotEquals(0, push.exitCode(), push.toString());
        assertFalse((push.stdout() + push.stderr()).isBlank(), push.toString());

        String before = ok(daemon.docker("images", "-qa", "--no-trunc")).stdout();
        CommandResult garbage = daemon.berthWithInput("this is not a tar archive at all".repeat(100).getBytes(StandardCharsets.UTF_8), "load");
        assertNotEquals(0, garbage.exitCode(), garbage.toString());
        assertTrue(garbage.stderr().contains("Error response from daemon"), garbage.toString());
        assertEquals(before, ok(daemon.docker("images", "-qa", "--no-trunc")).stdout());

        CommandResult commit = daemon.docker("commit", "no-such-container", "x:y");
        assertNotEquals(0, commit.exitCode());
        assertTrue(commit.stderr().contains("No such container: no-such-container"), commit.toString());
        assertNotEquals(0, daemon.docker("image", "inspect", "x:y").exitCode());

        CommandResult save = daemon.berth("save", "-o", dir.resolve("missing.tar").toString(), "no-such-image");
        assertNotEquals(0, save.exitCode());
        assertTrue(save.stderr().contains("No such image"), save.toString());
        assertFalse(Files.exists(dir.resolve("missing.tar")));
    }
}
