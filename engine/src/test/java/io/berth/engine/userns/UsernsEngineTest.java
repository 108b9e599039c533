package io.berth.engine.userns;

import io.berth.engine.Engine;
import io.berth.engine.EngineConfig;
import io.berth.engine.container.Container;
import io.berth.engine.container.CreateRequest;
import io.berth.engine.container.ExitResult;
import io.berth.engine.container.HostSpec;
import io.berth.engine.container.Isolation;
import io.berth.engine.container.Resources;
import io.berth.engine.container.WaitCondition;
import io.berth.engine.image.CommitRequest;
import io.berth.engine.logs.LogEntry;
import io.berth.engine.logs.LogOptions;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.image.ImageServiceOptions;
import io.berth.image.RegistryHosts;
import io.berth.oci.reference.ImageReference;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * --userns-remap end to end in the engine: the real shim, the real kernel, busybox from a local registry, and a remap
 * account of the test's own (its subordinate range is whatever is free from 100000; removed afterwards).
 */
class UsernsEngineTest {
    static final Path SHIM = Path.of(System.getProperty("berth.home", ".."), "native/target/bin/berth-shim").toAbsolutePath().normalize();
    private static final String ACCOUNT = "berthtest-engine";

    static TestRegistry registry;
    static TestAccount account;
    static UsernsRemap remap;
    static Path root;
    static Engine engine;

    @BeforeAll
    static void start() throws Exception {
        TestAccount.removeIfPresent(ACCOUNT);
        account = TestAccount.create(ACCOUNT, true);
        remap = new RemapAccounts(Path.of("/etc"), "unused").resolve(ACCOUNT);
        registry = TestRegistry.start();
        BusyboxImage.pushTo(registry, "library/busybox:latest");
        root = Files.createTempDirectory("berth-userns-test");
        // the remapped root must reach the container's files: dockerd asks the same of its data root
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        engine = Engine.open(new EngineConfig(root.resolve("data"), root.resolve("exec"), SHIM,
                new RegistryHosts(List.of(registry.uri()), List.of()), ImageServiceOptions.defaults(), remap));
        engine.images().pull(ImageReference.parse("busybox"), progress -> {});
    }

    @AfterEach
    void removeContainers() {
        for (Container c : engine.list(true)) engine.remove(c.id(), true);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try {
            if (engine != null) engine.close();
        } finally {
            try {
                if (registry != null) registry.close();
            } finally {
                try {
                    deleteTree(root);
                } finally {
                    if (account != null) account.close();
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static HostSpec host(boolean privileged, String networkMode, String pidMode, String usernsMode, String... capAdd) {
        Isolation iso = new Isolation(List.of(capAdd), null, privileged, null, false, null, null, null, pidMode, null, null, false,
                null, usernsMode);
        return new HostSpec(false, List.of(), networkMode, Resources.NONE, iso);
    }

    private static HostSpec host(String usernsMode, String... capAdd) {
        return host(false, "default", null, usernsMode, capAdd);
    }

    /** Runs sh -c script to its end; returns stdout and stderr, interleaved as logged. */
    private static String run(HostSpec host, String script) throws Exception {
        Container c = engine.create(CreateRequest.of("", "busybox", List.of("sh", "-c", script), host));
        var exit = engine.waitFor(c.id(), WaitCondition.NEXT_EXIT);
        engine.start(c.id());
        ExitResult result = exit.get(20, TimeUnit.SECONDS);
        List<LogEntry> entries = new ArrayList<>();
        engine.logs(c.id(), LogOptions.everything(false), entries::add);
        String output = entries.stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8)).reduce("", String::concat);
        assertEquals(0, result.exitCode(), output);
        return output;
    }

    private static int owner(Path path) throws IOException {
        return (int) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void rootInsideIsTheFirstSubordinateIdOutsideAndTheImageLooksRootOwned() throws Exception {
        long start = account.range().start();
        String out = run(host(""), "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; stat -c '%u:%g' /bin/busybox /etc/passwd /; "
                + "echo made > /made-inside; echo hello > /etc/hostname; cat /etc/hostname; mkdir -p /var/new && echo ok");
        List<String> lines = out.lines().map(String::strip).toList();
        assertEquals("0", lines.get(0));
        assertEquals("0", lines.get(1));
        assertEquals(List.of("0", Long.toString(start), "65536"), Arrays.asList(lines.get(2).split("\\s+")));
        assertEquals(List.of("0", Long.toString(start), "65536"), Arrays.asList(lines.get(3).split("\\s+")));
        assertEquals(List.of("0:0", "0:0", "0:0"), lines.subList(4, 7), "the id-mapped layers and the upper dir belong to the container's root");
        assertEquals(List.of("hello", "ok"), lines.subList(7, 9), "/etc/hostname is the container root's to write");

        Container c = engine.list(true).getFirst();
        Path upper = root.resolve("data/overlay").resolve(c.id()).resolve("upper");
        assertEquals((int) start, owner(upper.resolve("made-inside")), "a file made inside belongs to the subordinate uid on the host");
        assertEquals((int) start, owner(upper.resolve("var/new")));
        for (Path layer : engine.images().layerDirs(engine.images().resolve("busybox"))) {
            assertEquals(0, owner(layer.resolve("bin/busybox")), "the image layer on disk is left as it was");
        }
    }

    @Test
    void commitAndDiffRecordTheIdsTheContainerSawNotTheSubordinateOnes() throws Exception {
        run(host(""), "echo made > /made; mkdir /home/app; echo mine > /home/app/file; chown -R 1000:1000 /home/app; rm /bin/ls");
        Container c = engine.list(true).getFirst();
        Path upper = root.resolve("data/overlay").resolve(c.id()).resolve("upper");
        assertEquals((int) account.range().start() + 1000, owner(upper.resolve("home/app/file")), "on disk: the subordinate id");

        Path tar = root.resolve("export.tar");
        try (var out = Files.newOutputStream(tar)) {
            engine.export(c.id(), out);
        }
        Process listing = new ProcessBuilder("tar", "--numeric-owner", "-tvf", tar.toString(), "made", "home/app/file").start();
        List<String> owners = new String(listing.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .map(line -> line.split("\\s+")[1]).sorted().toList();
        assertEquals(0, listing.waitFor());
        Files.delete(tar);
        assertEquals(List.of("0/0", "1000/1000"), owners, "export shows the ids the container saw");

        List<String> changes = engine.changes(c.id()).stream().map(ch -> ch.kind() + " " + ch.path()).toList();
        assertTrue(changes.containsAll(List.of("A /made", "A /home/app", "A /home/app/file", "D /bin/ls")), changes.toString());
        var image = engine.commit(c.id(), new CommitRequest(Optional.of(ImageReference.parse("committed:remapped")), null, null, List.of()));
        try {
            Path top = engine.images().layerDirs(image).getLast();
            assertEquals(0, owner(top.resolve("made")));
            assertEquals(1000, owner(top.resolve("home/app/file")));
            assertEquals(1000, owner(top.resolve("home/app")));
            Container fromCommit = engine.create(CreateRequest.of("", "committed:remapped",
                    List.of("sh", "-c", "stat -c %u:%g /made /home/app/file; test -e /bin/ls || echo no-ls"), host("")));
            var exit = engine.waitFor(fromCommit.id(), WaitCondition.NEXT_EXIT);
            engine.start(fromCommit.id());
            assertEquals(0, exit.get(20, TimeUnit.SECONDS).exitCode());
            List<LogEntry> entries = new ArrayList<>();
            engine.logs(fromCommit.id(), LogOptions.everything(false), entries::add);
            assertEquals("0:0\n1000:1000\nno-ls\n",
                    entries.stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8)).reduce("", String::concat));
        } finally {
            removeContainers();
            engine.removeImage("committed:remapped", true);
        }
    }

    @Test
    void userNamespaceHostOptsOutWithTheIdentityMap() throws Exception {
        String out = run(host("host"), "id -u; cat /proc/self/uid_map; stat -c %u /");
        List<String> lines = out.lines().map(String::strip).toList();
        assertEquals("0", lines.get(0));
        assertEquals(List.of("0", "0", "4294967295"), Arrays.asList(lines.get(1).split("\\s+")));
        assertEquals("0", lines.get(2));
    }

    @Test
    void theContainersRootCannotGainTheHostsRoot() throws Exception {
        // CAP_MKNOD and CAP_DAC_OVERRIDE are the container's, but count only in its own user namespace. (Module loading
        // cannot be shown here: this kernel has no module support, init_module fails with ENOSYS for everyone.)
        Path hostDir = Files.createDirectories(root.resolve("host-owned"));
        Files.setPosixFilePermissions(hostDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String script = "mknod /dev/sda-copy b 8 0 2>/dev/null && echo made-device || echo no-device; "
                + "touch /host/file 2>/dev/null && echo wrote-host-dir || echo no-host-dir; stat -c %u /host; "
                + "grep CapEff /proc/self/status";
        List<String> remapped = run(hostWithBind(hostDir, ""), script).lines().toList();
        assertEquals(List.of("no-device", "no-host-dir", "65534"), remapped.subList(0, 3),
                "host root's directory belongs to nobody inside");
        List<String> hostUsers = run(hostWithBind(hostDir, "host"), script).lines().toList();
        assertEquals(List.of("made-device", "wrote-host-dir", "0"), hostUsers.subList(0, 3),
                "the same requests succeed with --userns=host: the test can fail");
        assertEquals(remapped.getLast(), hostUsers.getLast(), "with the same capabilities: " + hostUsers);
    }

    private static HostSpec hostWithBind(Path hostDir, String usernsMode) {
        Isolation iso = new Isolation(null, null, false, null, false, null, null, null, null, null, null, false, null, usernsMode);
        return new HostSpec(false, List.of(hostDir + ":/host"), "default", Resources.NONE, iso);
    }

    @Test
    void theHostsIpcAndUtsNamespacesStayAllowedAsWithDockerd() throws Exception {
        Isolation iso = new Isolation(null, null, false, null, false, null, null, null, null, "host", "host", false, null, "");
        String out = run(new HostSpec(false, List.of(), "default", Resources.NONE, iso),
                "id -u; hostname; test -d /dev/mqueue && echo mqueue || echo no-mqueue");
        assertEquals(List.of("0", Files.readString(Path.of("/proc/sys/kernel/hostname")).strip(),
                Files.isDirectory(Path.of("/dev/mqueue")) ? "mqueue" : "no-mqueue"), out.lines().toList(),
                "the host's /dev/mqueue is bound in, as the user namespace cannot mount one for the host's IPC namespace");
    }

    @Test
    void conflictsWithTheRemapAreRefusedLikeDockerdAndLeaveNothing() throws Exception {
        assertEquals("privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when "
                + "running privileged mode", refused(host(true, "default", null, "")));
        assertEquals("cannot share the host's network namespace when user namespaces are enabled", refused(host(false, "host", null, "")));
        assertEquals("cannot share the host PID namespace when user namespaces are enabled", refused(host(false, "default", "host", "")));
        assertEquals("invalid USER mode: private", refused(host("private")));
        try (Stream<Path> left = Files.list(root.resolve("data/containers"))) {
            assertEquals(0, left.count(), "no container directory was made");
        }
        String out = run(host(true, "default", null, "host"), "id -u; cat /proc/self/uid_map");
        assertTrue(out.contains("4294967295"), "--privileged with --userns=host runs in the host's user namespace: " + out);
    }

    private static String refused(HostSpec host) {
        var e = assertThrows(InvalidArgumentException.class,
                () -> engine.create(CreateRequest.of("", "busybox", List.of("true"), host)));
        assertTrue(engine.list(true).isEmpty());
        return e.getMessage();
    }

    @Test
    void startsAsFastAsWithoutTheRemap() throws Exception {
        int runs = 15;
        long[] remapped = new long[runs], hostUsers = new long[runs];
        for (int i = 0; i < runs; i++) {
            remapped[i] = startMillis(host(""));
            hostUsers[i] = startMillis(host("host"));
        }
        Arrays.sort(remapped);
        Arrays.sort(hostUsers);
        long remapMedian = remapped[runs / 2], hostMedian = hostUsers[runs / 2];
        System.out.printf("engine.start until exec, median of %d: remapped %d ms, --userns=host %d ms%n", runs, remapMedian,
                hostMedian);
        assertTrue(remapMedian <= hostMedian * 3 / 2 + 10, "remapped " + remapMedian + " ms vs " + hostMedian + " ms");
    }

    private static long startMillis(HostSpec host) throws Exception {
        Container c = engine.create(CreateRequest.of("", "busybox", List.of("true"), host));
        var exit = engine.waitFor(c.id(), WaitCondition.NEXT_EXIT);
        long begin = System.nanoTime();
        engine.start(c.id());
        long started = System.nanoTime();
        assertEquals(0, exit.get(20, TimeUnit.SECONDS).exitCode());
        engine.remove(c.id(), true);
        return TimeUnit.NANOSECONDS.toMillis(started - begin);
    }
}
