package io.berth.image;

import io.berth.errdefs.ConflictException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.errdefs.UnavailableException;
import io.berth.linux.Syscalls;
import io.berth.oci.Digest;
import io.berth.oci.image.Platform;
import io.berth.oci.reference.ImageReference;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.LayerTar;
import io.berth.testkit.TestImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ImageService against a real docker-registry process and the real filesystem (run as root). */
class ImageServiceTest {
    private static TestRegistry registry;
    private static TestImage busybox;
    private static Digest busyboxManifest;

    @TempDir
    Path root;

    @BeforeAll
    static void startRegistry() {
        registry = TestRegistry.start();
        busybox = BusyboxImage.build().image();
        busyboxManifest = busybox.pushTo(registry, "library/busybox:latest");
        busybox.pushTo(registry, "busybox:latest");
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) registry.close();
    }

    private ImageService open() {
        return new ImageService(root, new RegistryHosts(List.of(registry.uri()), List.of()));
    }

    private static ImageReference local(String repoTag) {
        return ImageReference.parse(registry.host() + "/" + repoTag);
    }

    private static List<String> statuses(List<PullProgress> events) {
        return events.stream().map(PullProgress::status).toList();
    }

    @Test
    void pullsBusyboxThroughTheMirrorAndSharesItsLayer() throws IOException {
        try (ImageService images = open()) {
            List<PullProgress> events = new CopyOnWriteArrayList<>();
            Image image = images.pull(ImageReference.parse("busybox"), events::add);

            assertEquals(busybox.id(), image.id());
            assertEquals(List.of("busybox:latest"), image.repoTags());
            assertEquals(List.of("busybox@" + busyboxManifest), image.repoDigests());
            assertEquals(List.of("sh"), image.config().config().cmd());
            Path layer = images.layerDirs(image).getFirst();
            assertTrue(Files.isExecutable(layer.resolve("bin/busybox")));
            assertEquals(Files.getAttribute(layer.resolve("bin/busybox"), "unix:ino"),
                    Files.getAttribute(layer.resolve("bin/sh"), "unix:ino"), "applets are hard links");
            assertEquals(01777, (int) Files.getAttribute(layer.resolve("tmp"), "unix:mode") & 07777);
            assertTrue(statuses(events).contains("Pull complete"));
            assertEquals("Status: Downloaded newer image for busybox:latest", events.getLast().status());
            assertEquals("Digest: " + busyboxManifest, events.get(events.size() - 2).status());

            List<PullProgress> again = new ArrayList<>();
            images.pull(ImageReference.parse("busybox:latest"), again::add);
            assertEquals("Status: Image is up to date for busybox:latest", again.getLast().status());

            Object inode = Files.getAttribute(layer, "unix:ino");
            TestImage derived = TestImage.of(BusyboxImage.rootfs(), new LayerTar().file("hello.txt", "hi\n"));
            derived.pushTo(registry, "derived:1");
            List<PullProgress> derivedEvents = new ArrayList<>();
            Image second = images.pull(local("derived:1"), derivedEvents::add);
            assertTrue(derivedEvents.contains(PullProgress.of(busybox.layers().getFirst().digest().shortId(), "Already exists")));
            List<Path> dirs = images.layerDirs(second);
            assertEquals(layer, dirs.getFirst(), "the busybox layer is shared");
            assertEquals(inode, Files.getAttribute(dirs.getFirst(), "unix:ino"), "and was not unpacked again");
            assertEquals("hi\n", Files.readString(dirs.get(1).resolve("hello.txt")));
            assertEquals(2, images.list().size());
        }
    }

    @Test
    void fallsBackToTheNextMirror() throws IOException {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        RegistryHosts hosts = new RegistryHosts(List.of(URI.create("http://127.0.0.1:" + deadPort), registry.uri()), List.of());
        try (ImageService images = new ImageService(root, hosts)) {
            assertEquals(busybox.id(), images.pull(ImageReference.parse("busybox"), e -> {}).id());
        }
    }

    @Test
    void concurrentPullsOfOneImageUnpackItOnce() throws Exception {
        try (ImageService images = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Image>> pulls = new ArrayList<>();
            for (int i = 0; i < 4; i++) pulls.add(pool.submit(() -> images.pull(ImageReference.parse("busybox"), e -> {})));
            for (Future<Image> pull : pulls) assertEquals(busybox.id(), pull.get().id());
            assertEquals(1, names(root.resolve("layers/sha256")).size());
            assertEquals(List.of(), names(root.resolve("tmp")));
        }
    }

    @Test
    void pullsFromAnInsecureRegistryOverTlsWithASelfSignedCertificate() {
        try (TestRegistry tls = TestRegistry.startWithTls(); ImageService images = open()) {
            busybox.pushTo(tls, "secure/busybox:1");
            Image image = images.pull(ImageReference.parse(tls.host() + "/secure/busybox:1"), e -> {});
            assertEquals(busybox.id(), image.id());
            assertEquals(List.of(tls.host() + "/secure/busybox:1"), image.repoTags());
        }
    }

    @Test
    void pullsByDigest() {
        try (ImageService images = open()) {
            Image image = images.pull(local("busybox@" + busyboxManifest), e -> {});
            assertEquals(busybox.id(), image.id());
            assertEquals(List.of(), image.repoTags());
            assertEquals(List.of(registry.host() + "/busybox@" + busyboxManifest), image.repoDigests());
            assertEquals(image.id(), images.resolve(registry.host() + "/busybox@" + busyboxManifest).id());
        }
    }

    @Test
    void picksLinuxAmd64FromAManifestList() {
        TestImage amd64 = TestImage.of(new LayerTar().file("arch", "amd64\n"));
        TestImage arm64 = new TestImage(List.of(new LayerTar().file("arch", "arm64\n")), null, "arm64");
        Map<Platform, TestImage> platforms = new LinkedHashMap<>();
        platforms.put(Platform.of("linux", "arm64"), arm64);
        platforms.put(Platform.of("linux", "amd64"), amd64);
        Digest index = TestImage.pushIndex(registry, "multi:1", platforms);
        try (ImageService images = open()) {
            Image image = images.pull(local("multi:1"), e -> {});
            assertEquals(amd64.id(), image.id());
            assertEquals(List.of(registry.host() + "/multi@" + index), image.repoDigests(), "repo digest names the list");
        }
    }

    @Test
    void whiteoutsHideLowerContentInAnOverlay() throws IOException {
        LayerTar lower = new LayerTar().dir("a", 0755).file("a/x", "x").file("a/y", "y").file("f", "f")
                .dir("o", 0755).file("o/old", "old");
        LayerTar upper = new LayerTar().whiteout("f").whiteout("a/x").dir("o", 0755).opaque("o").file("o/new", "new");
        TestImage.of(lower, upper).pushTo(registry, "whiteouts:1");
        try (ImageService images = open()) {
            Image image = images.pull(local("whiteouts:1"), e -> {});
            List<Path> dirs = images.layerDirs(image);
            Path upperDir = dirs.get(1);
            assertEquals(Syscalls.S_IFCHR, (int) Files.getAttribute(upperDir.resolve("f"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000);
            Path mountPoint = Files.createDirectory(root.resolve("merged"));
            // overlay lists lowerdirs top first
            Syscalls.mount("overlay", mountPoint, "overlay", Syscalls.MS_RDONLY, "lowerdir=" + upperDir + ":" + dirs.get(0));
            try {
                assertFalse(Files.exists(mountPoint.resolve("f"), LinkOption.NOFOLLOW_LINKS));
                assertFalse(Files.exists(mountPoint.resolve("a/x"), LinkOption.NOFOLLOW_LINKS));
                assertEquals("y", Files.readString(mountPoint.resolve("a/y")));
                assertEquals(List.of("new"), names(mountPoint.resolve("o")));
            } finally {
                Syscalls.umount(mountPoint, 0);
            }
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void importsPlainAndGzipRootfs() throws IOException {
        byte[] tar = BusyboxImage.rootfs().tar();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar);
        }
        try (ImageService images = open()) {
            Image plain = images.importRootfs(new ByteArrayInputStream(tar), Optional.of(ImageReference.parse("imported:1")), "");
            assertEquals("linux", plain.config().os());
            assertEquals("amd64", plain.config().architecture());
            assertEquals(List.of("imported:1"), plain.repoTags());
            assertTrue(Files.isExecutable(images.layerDirs(plain).getFirst().resolve("bin/busybox")));
            assertEquals(plain.id(), images.resolve("imported:1").id());

            Image compressed = images.importRootfs(new ByteArrayInputStream(gz.toByteArray()), Optional.empty(), "from gzip");
            assertEquals(images.layerDirs(plain), images.layerDirs(compressed), "same diff id, same layer");
            assertEquals("from gzip", compressed.config().history().getFirst().comment());
            assertEquals(List.of(), compressed.repoTags());
        }
    }

    @Test
    void resolvesNamesIdsAndPrefixes() {
        try (ImageService images = open()) {
            Image image = images.pull(ImageReference.parse("busybox"), e -> {});
            String hex = image.id().hex();
            for (String name : List.of("busybox", "busybox:latest", "docker.io/library/busybox:latest",
                    "library/busybox", image.id().toString(), hex, hex.substring(0, 12), "sha256:" + hex.substring(0, 8))) {
                assertEquals(image.id(), images.resolve(name).id(), name);
            }
            NotFoundException missing = assertThrows(NotFoundException.class, () -> images.resolve("busybox:nope"));
            assertEquals("No such image: busybox:nope", missing.getMessage());
            assertThrows(NotFoundException.class, () -> images.resolve("0".repeat(64)));

            // 17 distinct images: two must share their first hex digit.
            Map<Character, Digest> byFirstDigit = new HashMap<>();
            Character ambiguous = null;
            for (int i = 0; ambiguous == null; i++) {
                byte[] tar = new LayerTar().file("n", "image " + i).tar();
                Digest id = images.importRootfs(new ByteArrayInputStream(tar), Optional.empty(), "").id();
                if (byFirstDigit.putIfAbsent(id.hex().charAt(0), id) != null) ambiguous = id.hex().charAt(0);
            }
            String prefix = String.valueOf(ambiguous);
            assertThrows(InvalidArgumentException.class, () -> images.resolve(prefix));
        }
    }

    @Test
    void reportsAnUnreachableRegistry() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (ImageService images = open()) {
            UnavailableException e = assertThrows(UnavailableException.class,
                    () -> images.pull(ImageReference.parse("127.0.0.1:" + port + "/busybox"), p -> {}));
            assertEquals("registry 127.0.0.1:" + port + " is unavailable: connection refused", e.getMessage());
            // .invalid never resolves (RFC 2606)
            UnavailableException dns = assertThrows(UnavailableException.class,
                    () -> images.pull(ImageReference.parse("registry.invalid/busybox"), p -> {}));
            assertEquals("registry registry.invalid is unavailable: no such host", dns.getMessage());
        }
    }

    @Test
    void reportsAMissingTagOrRepository() {
        try (ImageService images = open()) {
            NotFoundException tag = assertThrows(NotFoundException.class, () -> images.pull(ImageReference.parse("busybox:nope"), p -> {}));
            assertTrue(tag.getMessage().startsWith("manifest for busybox:nope not found: manifest unknown"), tag.getMessage());
            NotFoundException repo = assertThrows(NotFoundException.class, () -> images.pull(local("nosuchrepo:1"), p -> {}));
            assertTrue(repo.getMessage().contains("not found"), repo.getMessage());
            assertEquals(List.of(), images.list());
        }
    }

    @Test
    void keepsImagesAcrossRestartAndCleansLeftovers() throws IOException {
        Digest id;
        try (ImageService images = open()) {
            id = images.pull(ImageReference.parse("busybox"), e -> {}).id();
        }
        // What a crash mid-pull leaves: a temp blob, a temp layer, and a layer renamed in but never registered.
        Files.writeString(root.resolve("tmp/blob-crashed"), "partial");
        Files.createDirectories(root.resolve("tmp/layer-crashed/diff/bin"));
        Path unregistered = root.resolve("layers/sha256/" + "ab".repeat(32));
        Files.createDirectories(unregistered.resolve("diff"));
        try (ImageService images = open()) {
            Image image = images.resolve("busybox");
            assertEquals(id, image.id());
            assertTrue(Files.exists(images.layerDirs(image).getFirst().resolve("bin/busybox")));
            assertEquals(List.of(), names(root.resolve("tmp")));
            assertFalse(Files.exists(unregistered));
        }
    }

    @Test
    void completesAPullFromABlobAnInterruptedPullLeftBehind() throws IOException {
        // An interrupted pull may leave a verified layer blob without its unpacked layer.
        LayerTar.Layer layer = busybox.layers().getFirst();
        Files.createDirectories(root.resolve("blobs/sha256"));
        Files.write(root.resolve("blobs/sha256/" + layer.digest().hex()), layer.blob());
        try (ImageService images = open()) {
            List<PullProgress> events = new ArrayList<>();
            Image image = images.pull(ImageReference.parse("busybox"), events::add);
            assertFalse(statuses(events).contains("Downloading"), "the layer came from the local blob");
            assertTrue(statuses(events).contains("Pull complete"));
            assertTrue(Files.isExecutable(images.layerDirs(image).getFirst().resolve("bin/busybox")));
        }
    }

    @Test
    void removesTagsThenTheImageAndItsLayers() throws IOException {
        try (ImageService images = open()) {
            Image image = images.pull(ImageReference.parse("busybox"), e -> {});
            images.tag(image, ImageReference.parse("mine:1"));
            Path layer = images.layerDirs(image).getFirst();

            assertEquals(List.of("Untagged: mine:1"), images.remove("mine:1", false));
            assertEquals(List.of("busybox:latest"), images.resolve(image.id().hex()).repoTags());

            images.tag(image, ImageReference.parse("other/repo:2"));
            assertThrows(ConflictException.class, () -> images.remove(image.id().shortId(), false));

            images.remove("other/repo:2", false);
            List<String> lines = images.remove("busybox", false);
            Digest chainId = busybox.layers().getFirst().diffId();
            assertEquals(List.of("Untagged: busybox:latest", "Untagged: busybox@" + busyboxManifest,
                    "Deleted: " + image.id(), "Deleted: " + chainId), lines);
            assertFalse(Files.exists(layer));
            assertEquals(List.of(), names(root.resolve("blobs/sha256")));
            assertEquals(List.of(), images.list());
            assertThrows(NotFoundException.class, () -> images.resolve("busybox"));
        }
    }

    @Test
    void untaggingARepositorysLastTagDropsItsDigestsAndContainersKeepTheImage() {
        try (ImageService images = open()) {
            Image image = images.pull(ImageReference.parse("busybox"), e -> {});
            images.tag(image, ImageReference.parse("other/repo:2"));
            // dockerd: the digests of busybox go with its last tag; other/repo:2 still names the image.
            assertEquals(List.of("Untagged: busybox:latest", "Untagged: busybox@" + busyboxManifest), images.remove("busybox", false));
            assertEquals(List.of("other/repo:2"), images.resolve(image.id().hex()).repoTags());
            assertEquals(List.of(), images.resolve(image.id().hex()).repoDigests());

            List<ImageService.ImageUser> stopped = List.of(new ImageService.ImageUser("c".repeat(64), false));
            ConflictException refused = assertThrows(ConflictException.class,
                    () -> images.remove(image.id().hex(), false, id -> stopped));
            assertEquals("conflict: unable to delete " + image.id().shortId() + " (must be forced) - image is being used by stopped container "
                    + "c".repeat(12), refused.getMessage());
            // Forced, the container's image loses its names but stays (dangling) for the container.
            assertEquals(List.of("Untagged: other/repo:2"), images.remove(image.id().hex(), true, id -> stopped));
            assertEquals(List.of(), images.resolve(image.id().hex()).repoTags());
            assertEquals(List.of("Deleted: " + image.id(), "Deleted: " + busybox.layers().getFirst().diffId()),
                    images.remove(image.id().hex(), false));
        }
    }

    @Test
    void pushesPulledAndImportedImages() {
        try (ImageService images = open()) {
            Image pulled = images.pull(ImageReference.parse("busybox"), e -> {});
            ImageReference target = local("pushed/busybox:1");
            images.tag(pulled, target);
            List<PullProgress> events = new ArrayList<>();
            images.push(target, events::add);
            assertTrue(events.getLast().status().startsWith("1: digest: " + busyboxManifest), events.getLast().status());

            Image imported = images.importRootfs(new ByteArrayInputStream(new LayerTar().file("x", "y").tar()),
                    Optional.of(local("pushed/imported:1")), "");
            images.push(local("pushed/imported:1"), e -> {});
            assertNotEquals(pulled.id(), imported.id());
        }
        try (ImageService fresh = new ImageService(root.resolve("fresh"), RegistryHosts.defaults())) {
            assertEquals(busybox.id(), fresh.pull(local("pushed/busybox:1"), e -> {}).id());
            Image imported = fresh.pull(local("pushed/imported:1"), e -> {});
            assertEquals("y", readQuietly(fresh.layerDirs(imported).getFirst().resolve("x")));
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return null;
        }
    }
}
