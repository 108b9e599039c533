package io.berth.it;

import io.berth.testkit.LayerTar;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Step 4 leftovers end to end with the real docker CLI and bin/berth against a real berthd and a real
 * Docker Distribution registry: rmi's untag/delete/conflict rules (commit parents included), commit and diff without the
 * runtime's mount points, system df's shared and unique sizes, export and its import round trip,
 * and progress bars on a terminal (a pty from script(1)).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageRemovalAndExportTest {
    private static MirroredDaemon env;
    private static BerthDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        env = MirroredDaemon.start("berth-it-rmi-export-");
        daemon = env.daemon();
        ok(daemon.docker("pull", "busybox"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (env != null) env.close();
    }

    private static CommandResult ok(CommandResult result) {
        assertEquals(0, result.exitCode(), result.toString());
        return result;
    }

    private static CommandResult fails(CommandResult result) {
        assertNotEquals(0, result.exitCode(), result.toString());
        return result;
    }

    private static String imageId(String image) {
        return ok(daemon.docker("image", "inspect", "--format", "{{.Id}}", image)).stdout().strip();
    }

    private static String shortId(String id) {
        return id.replaceFirst("^sha256:", "").substring(0, 12);
    }

    private static String containerId(String name) {
        return ok(daemon.docker("inspect", "--format", "{{.Id}}", name)).stdout().strip();
    }

    /** Entry names of a tar file, in order. */
    private static List<String> entries(Path tar) throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream file = Files.newInputStream(tar); TarArchiveInputStream in = new TarArchiveInputStream(file)) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) names.add(entry.getName());
        }
        return names;
    }

    /** The entries of an image's top layer, through docker save (the archive's manifest.json lists layers bottom first). */
    private static List<String> topLayerEntries(String image) throws IOException {
        Path archive = env.dir().resolve(image.replaceAll("[^a-z0-9]", "_") + ".tar");
        ok(daemon.docker("save", "-o", archive.toString(), image));
        String manifest = null;
        Path layer = env.dir().resolve("top-layer.tar");
        List<String> layers = new ArrayList<>();
        try (InputStream file = Files.newInputStream(archive); TarArchiveInputStream in = new TarArchiveInputStream(file)) {
            List<byte[]> blobs = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (entry.isDirectory()) continue;
                names.add(entry.getName());
                blobs.add(in.readAllBytes());
            }
            manifest = new String(blobs.get(names.indexOf("manifest.json")), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("\"Layers\":\\[([^]]*)]").matcher(manifest);
            assertTrue(m.find(), manifest);
            for (String quoted : m.group(1).split(",")) layers.add(quoted.replace("\"", ""));
            Files.write(layer, blobs.get(names.indexOf(layers.getLast())));
        }
        return entries(layer);
    }

    @Test
    @Order(1)
    void rmiUntagsOneOfSeveralTagsAndRefusesAnIdNamedInSeveralRepositories() {
        String id = imageId("busybox");
        ok(daemon.docker("tag", "busybox", "one:1"));
        ok(daemon.docker("tag", "busybox", "two:1"));
        assertEquals("Untagged: one:1\n", ok(daemon.docker("rmi", "one:1")).stdout());
        assertEquals(id, imageId("two:1"));

        CommandResult byId = fails(daemon.docker("rmi", shortId(id)));
        assertTrue(byId.stderr().contains("conflict: unable to delete " + shortId(id)
                + " (must be forced) - image is referenced in multiple repositories"), byId.toString());
        assertEquals("Untagged: two:1\n", ok(daemon.berth("rmi", "two:1")).stdout());
    }

    @Test
    @Order(2)
    void rmiOfAnImageUsedByContainersNeedsForceAndKeepsItDanglingWhileTheyExist() {
        String id = imageId("busybox");
        ok(daemon.docker("create", "--name", "user", "busybox", "true"));
        String user = shortId(containerId("user"));
        CommandResult byName = fails(daemon.docker("rmi", "busybox"));
        assertTrue(byName.stderr().contains("conflict: unable to remove repository reference \"busybox\" (must force) - container "
                + user + " is using its referenced image " + shortId(id)), byName.toString());
        CommandResult byId = fails(daemon.docker("rmi", id));
        assertTrue(byId.stderr().contains("conflict: unable to delete " + shortId(id)
                + " (must be forced) - image is being used by stopped container " + user), byId.toString());

        ok(daemon.docker("run", "-d", "--name", "runner", "busybox", "sleep", "300"));
        String runner = shortId(containerId("runner"));
        CommandResult runningById = fails(daemon.docker("rmi", "-f", id));
        assertTrue(runningById.stderr().contains("conflict: unable to delete " + shortId(id)
                + " (cannot be forced) - image is being used by running container " + runner), runningById.toString());

        CommandResult forced = ok(daemon.docker("rmi", "-f", "busybox"));
        List<String> lines = forced.stdout().lines().toList();
        assertEquals(2, lines.size(), forced.toString());
        assertEquals("Untagged: busybox:latest", lines.get(0));
        assertTrue(lines.get(1).matches("Untagged: busybox@sha256:[0-9a-f]{64}"), forced.toString());
        assertEquals(id, ok(daemon.docker("images", "--filter", "dangling=true", "-q", "--no-trunc")).stdout().strip());
        assertEquals("true", ok(daemon.docker("inspect", "--format", "{{.State.Running}}", "runner")).stdout().strip());

        ok(daemon.docker("rm", "-f", "runner", "user"));
        CommandResult deleted = ok(daemon.docker("rmi", shortId(id)));
        assertEquals(List.of("Deleted: " + id), deleted.stdout().lines().filter(l -> l.contains(id)).toList(), deleted.toString());
        assertTrue(deleted.stdout().lines().allMatch(l -> l.matches("Deleted: sha256:[0-9a-f]{64}")), deleted.toString());
        fails(daemon.docker("image", "inspect", id));
        ok(daemon.docker("pull", "busybox"));
    }

    @Test
    @Order(3)
    void forcedRmiOfAnIdUntagsEveryNameAndDeletesTheImageWithItsLayer() {
        byte[] rootfs = new LayerTar().file("only-file", "content\n").tar();
        String id = ok(daemon.dockerWithInput(rootfs, "import", "-", "first:1")).stdout().strip();
        ok(daemon.docker("tag", id, "second:1"));
        CommandResult removed = ok(daemon.docker("rmi", "-f", shortId(id)));
        List<String> lines = removed.stdout().lines().toList();
        assertEquals(List.of("Untagged: first:1", "Untagged: second:1", "Deleted: " + id), lines.subList(0, 3), removed.toString());
        assertEquals(4, lines.size(), "the image's one layer is deleted too: " + removed);
        assertTrue(lines.get(3).matches("Deleted: sha256:[0-9a-f]{64}"), removed.toString());
    }

    @Test
    @Order(4)
    void commitAndDiffLeaveOutTheRuntimesMountPoints() throws IOException {
        ok(daemon.docker("run", "--name", "changer", "busybox", "sh", "-c", "echo x > /x"));
        assertEquals("A /x\n", ok(daemon.docker("diff", "changer")).stdout());
        ok(daemon.berth("commit", "changer", "changed:1"));
        assertEquals(List.of("x"), topLayerEntries("changed:1"));

        // An image without /etc, /dev, /proc or /sys: the runtime makes all of them in the upper dir.
        byte[] bare = new LayerTar().dir("bin", 0755).file("bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")), 0755).tar();
        ok(daemon.dockerWithInput(bare, "import", "-", "bare:1"));
        ok(daemon.docker("run", "--name", "bare", "bare:1", "/bin/busybox", "sh", "-c", "/bin/busybox mkdir /y && /bin/busybox touch /y/z"));
        assertEquals("A /y\nA /y/z\n", ok(daemon.berth("diff", "bare")).stdout());
        ok(daemon.docker("commit", "bare", "bare:2"));
        assertEquals(List.of("y/", "y/z"), topLayerEntries("bare:2"));
        assertEquals("z\n", ok(daemon.docker("run", "--rm", "bare:2", "/bin/busybox", "ls", "/y")).stdout());
    }

    @Test
    @Order(5)
    void aCommitsParentIsKeptHiddenUntilItsChildIsRemoved() {
        byte[] rootfs = new LayerTar().file("base-file", "base\n").tar();
        String base = ok(daemon.dockerWithInput(rootfs, "import", "-", "base:1")).stdout().strip();
        ok(daemon.docker("create", "--name", "kid-maker", "base:1", "true"));
        String kid = ok(daemon.docker("commit", "kid-maker", "kid:1")).stdout().strip();
        ok(daemon.docker("rm", "kid-maker"));
        assertEquals(base, ok(daemon.docker("image", "inspect", "--format", "{{.Parent}}", "kid:1")).stdout().strip());

        CommandResult byId = fails(daemon.docker("rmi", "-f", shortId(base)));
        assertTrue(byId.stderr().contains("conflict: unable to delete " + shortId(base)
                + " (cannot be forced) - image has dependent child images"), byId.toString());
        assertEquals("Untagged: base:1\n", ok(daemon.docker("rmi", "base:1")).stdout());
        assertFalse(ok(daemon.docker("images", "-q", "--no-trunc")).stdout().contains(base), "an untagged parent is hidden");
        assertTrue(ok(daemon.docker("images", "-a", "-q", "--no-trunc")).stdout().contains(base), "images -a lists it");

        List<String> removed = ok(daemon.docker("rmi", "kid:1")).stdout().lines().toList();
        assertEquals(5, removed.size(), removed.toString());
        assertEquals(List.of("Untagged: kid:1", "Deleted: " + kid), removed.subList(0, 2));
        assertEquals("Deleted: " + base, removed.get(3), "the parent goes with its last child: " + removed);
        fails(daemon.docker("image", "inspect", base));
    }

    @Test
    @Order(6)
    void systemDfReportsSharedAndUniqueSizesAsTheDockerCliShowsThem() {
        // changed:1 stacks one small layer on busybox's: busybox's layer is shared, the new one unique.
        CommandResult verbose = ok(daemon.docker("system", "df", "-v"));
        String busyboxRow = verbose.stdout().lines().filter(l -> l.startsWith("busybox ")).findFirst().orElseThrow();
        String changedRow = verbose.stdout().lines().filter(l -> l.startsWith("changed ")).findFirst().orElseThrow();
        List<String> busybox = List.of(busyboxRow.split("\\s{2,}"));
        List<String> changed = List.of(changedRow.split("\\s{2,}"));
        // REPOSITORY TAG ID CREATED SIZE SHARED UNIQUE CONTAINERS
        assertEquals(busybox.get(5), changed.get(5), verbose.toString());
        assertEquals("0B", busybox.get(6), verbose.toString());
        assertNotEquals("0B", changed.get(6), verbose.toString());
        assertEquals("1", busybox.get(7), "the container changer uses busybox: " + verbose);
        assertEquals("0", changed.get(7), verbose.toString());

        assertEquals(ok(daemon.docker("system", "df")).stdout(), ok(daemon.berth("system", "df")).stdout());
        String ago = "(\\d+|About an?|Less than a) (seconds?|minutes?|hours?|days?)( ago)?";
        assertEquals(verbose.stdout().replaceAll(ago, "<ago>").replaceAll(" +", " "),
                ok(daemon.berth("system", "df", "-v")).stdout().replaceAll(ago, "<ago>").replaceAll(" +", " "));
    }

    @Test
    @Order(7)
    void exportGivesTheWholeFilesystemAndImportMakesItRunnableAgain() throws IOException {
        ok(daemon.docker("run", "--name", "exported", "busybox", "sh", "-c", "echo exported > /exported; rm /etc/group"));
        Path byDocker = env.dir().resolve("docker-export.tar");
        ok(daemon.docker("export", "-o", byDocker.toString(), "exported"));
        List<String> names = entries(byDocker);
        assertTrue(names.containsAll(List.of("exported", "bin/busybox", "etc/passwd", "dev/", "proc/", "sys/")), names.toString());
        assertFalse(names.contains("etc/group"), names.toString());
        assertTrue(names.stream().noneMatch(n -> n.contains(".wh.") || n.startsWith("proc/") && !n.equals("proc/")), names.toString());

        Path byBerth = env.dir().resolve("berth-export.tar");
        ok(daemon.berth("export", "-o", byBerth.toString(), "exported"));
        assertEquals(names, entries(byBerth));
        Path piped = env.dir().resolve("piped-export.tar");
        ok(Commands.run(Map.of("BERTH_HOST", daemon.host()), null, List.of("sh", "-c",
                Commands.REPO_ROOT.resolve("bin/berth") + " export exported > " + piped)));
        assertEquals(names, entries(piped));

        ok(daemon.dockerWithInput(Files.readAllBytes(byBerth), "import", "-", "reimported:1"));
        assertEquals("exported\n", ok(daemon.docker("run", "--rm", "reimported:1", "cat", "/exported")).stdout());
        fails(daemon.docker("run", "--rm", "reimported:1", "cat", "/etc/group"));

        // A running container is exported as it is, its live overlay left alone.
        ok(daemon.docker("run", "-d", "--name", "live", "busybox", "sh", "-c", "echo live > /live; sleep 300"));
        Path running = env.dir().resolve("running-export.tar");
        List<String> live = List.of();
        for (int attempt = 0; attempt < 50 && !live.contains("live"); attempt++) {
            ok(daemon.docker("export", "-o", running.toString(), "live"));
            live = entries(running);
        }
        assertTrue(live.contains("live") && live.contains("bin/busybox"), live.toString());
        assertEquals("true", ok(daemon.docker("inspect", "--format", "{{.State.Running}}", "live")).stdout().strip());
        ok(daemon.docker("rm", "-f", "live"));

        CommandResult missing = fails(daemon.berth("export", "-o", env.dir().resolve("none.tar").toString(), "no-such-container"));
        assertTrue(missing.stderr().contains("No such container: no-such-container"), missing.toString());
        assertFalse(Files.exists(env.dir().resolve("none.tar")));
    }

    /** Runs bin/berth on a pseudo-terminal (script(1)); its output is what the terminal received. */
    private static CommandResult onTerminal(String berthArgs) {
        return Commands.run(Map.of("BERTH_HOST", daemon.host(), "COLUMNS", "200"), null, List.of("script", "-qefc",
                "stty cols 200; " + Commands.REPO_ROOT.resolve("bin/berth") + " " + berthArgs, "/dev/null"));
    }

    @Test
    @Order(8)
    void pullAndPushDrawProgressBarsOnATerminalAndPlainLinesElsewhere() {
        String target = env.registry().host() + "/it/progress:v1";
        ok(daemon.docker("tag", "changed:1", target));
        CommandResult push = ok(onTerminal("push " + target));
        assertTrue(push.stdout().contains("\u001b[2K\r") && push.stdout().contains(": Pushed"), push.toString());
        assertTrue(push.stdout().contains("v1: digest: sha256:"), push.toString());
        ok(daemon.docker("rmi", target, "changed:1"));

        CommandResult pull = ok(onTerminal("pull " + target));
        assertTrue(pull.stdout().contains("\u001b[1A") && pull.stdout().contains("Pull complete"), pull.toString());
        assertTrue(pull.stdout().contains("Status: Downloaded newer image for " + target), pull.toString());

        // The docker CLI draws the same stream in place too: every layer update carries a progressDetail.
        ok(daemon.docker("rmi", target));
        CommandResult docker = ok(Commands.run(Map.of("DOCKER_HOST", daemon.host(), "DOCKER_CONFIG", daemon.dir.resolve("docker-config").toString()),
                null, List.of("script", "-qefc", "stty cols 200; " + Commands.DOCKER_CLI + " pull " + target, "/dev/null")));
        assertTrue(Pattern.compile("\u001b\\[2K\r[0-9a-f]{12}: Pull complete").matcher(docker.stdout()).find(), docker.toString());

        ok(daemon.docker("rmi", target));
        CommandResult plain = ok(daemon.berth("pull", target));
        assertFalse(plain.stdout().contains("\u001b"), plain.toString());
        assertTrue(plain.stdout().lines().anyMatch(l -> l.matches("[0-9a-f]{12}: Pull complete")), plain.toString());

        CommandResult refused = onTerminal("export exported");
        assertNotEquals(0, refused.exitCode(), refused.toString());
        assertTrue(refused.stdout().contains("cowardly refusing to save to a terminal"), refused.toString());
    }
}
