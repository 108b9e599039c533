package io.berth.image;

import io.berth.errdefs.ConflictException;
import io.berth.image.layer.Trees;
import io.berth.image.layer.UpperDir.Change;
import io.berth.linux.Syscalls;
import io.berth.oci.Digest;
import io.berth.oci.reference.ImageReference;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.LayerTar;
import io.berth.testkit.TestImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** commit and diff through a real overlay mount; prune, garbage collection (also during a pull) and history. */
class StoreOperationsTest {
    @TempDir
    Path root;

    private Image importBusybox(ImageService images, String tag) {
        return images.importRootfs(new ByteArrayInputStream(BusyboxImage.build().rootfsTar()),
                tag == null ? Optional.empty() : Optional.of(ImageReference.parse(tag)), "");
    }

    private static void mountOverlay(Path merged, String options) throws IOException {
        Syscalls.mount("overlay", merged, "overlay", 0, options);
    }

    @Test
    void commitTurnsAnOverlayUpperDirIntoALayer() throws IOException {
        Path upper = Files.createDirectories(root.resolve("c/upper"));
        Path work = Files.createDirectories(root.resolve("c/work"));
        Path merged = Files.createDirectories(root.resolve("c/merged"));
        try (ImageService images = new ImageService(root.resolve("store"), RegistryHosts.defaults())) {
            Image base = importBusybox(images, "base:1");
            Path lower = images.layerDirs(base).getFirst();
            mountOverlay(merged, "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work);
            try {
                Files.writeString(merged.resolve("new.txt"), "hello\n");
                Files.delete(merged.resolve("etc/group"));
                Files.writeString(merged.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nextra:x:1:1::/:/bin/sh\n");
                Trees.delete(merged.resolve("bin"));
                Files.createDirectory(merged.resolve("bin"));
                Files.writeString(merged.resolve("bin/only"), "alone\n");
                Files.setAttribute(merged.resolve("bin/only"), "unix:mode", 04755);
            } finally {
                Syscalls.umount(merged, 0);
            }

            List<String> changes = images.diff(upper, base, path -> false).stream().map(c -> c.kind() + " " + c.path()).toList();
            assertTrue(changes.containsAll(List.of("A /new.txt", "C /etc", "D /etc/group", "C /etc/passwd", "C /bin", "A /bin/only")),
                    changes.toString());
            assertFalse(changes.stream().anyMatch(c -> c.endsWith("/bin/busybox")), "no whiteouts listed inside an opaque dir");

            Image committed = images.commit(upper, base, new CommitOptions(Optional.of(ImageReference.parse("committed:1")),
                    "tester", "a change", "berth commit", null));
            assertEquals(List.of("committed:1"), committed.repoTags());
            assertEquals(2, images.layerDirs(committed).size());
            assertEquals(base.config().config(), committed.config().config(), "the parent's container config is kept");
            List<ImageService.HistoryEntry> history = images.history("committed:1");
            assertEquals(committed.id().toString(), history.getFirst().id());
            assertEquals("berth commit", history.getFirst().createdBy());
            assertTrue(history.getFirst().size() > 0);
            assertEquals("<missing>", history.get(1).id());

            // the committed layers, stacked again by overlay, show the container's view
            List<Path> dirs = images.layerDirs(committed);
            mountOverlay(merged, "lowerdir=" + dirs.get(1) + ":" + dirs.get(0));
            try {
                assertEquals("hello\n", Files.readString(merged.resolve("new.txt")));
                assertFalse(Files.exists(merged.resolve("etc/group"), LinkOption.NOFOLLOW_LINKS));
                assertTrue(Files.readString(merged.resolve("etc/passwd")).contains("extra:"));
                try (Stream<Path> bin = Files.list(merged.resolve("bin"))) {
                    assertEquals(Set.of("only"), bin.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
                }
                assertEquals(04755, (int) Files.getAttribute(merged.resolve("bin/only"), "unix:mode") & 07777);
            } finally {
                Syscalls.umount(merged, 0);
            }
        }
    }

    @Test
    void aCommittedImagesParentStaysUntilItsChildGoesAndThenGoesWithIt() throws IOException {
        Path upper = Files.createDirectories(root.resolve("c/upper"));
        Files.writeString(upper.resolve("added"), "child\n");
        try (ImageService images = new ImageService(root.resolve("store"), RegistryHosts.defaults())) {
            Image base = importBusybox(images, "base:1");
            Digest baseLayer = base.config().diffIds().getFirst();
            Image child = images.commit(upper, base, new CommitOptions(Optional.of(ImageReference.parse("child:1")), null, null, null, null),
                    path -> false);
            assertEquals(Optional.of(base.id()), images.parentOf(child));

            for (boolean force : new boolean[]{false, true}) {
                ConflictException refused = assertThrows(ConflictException.class, () -> images.remove(base.id().hex(), force));
                assertEquals("conflict: unable to delete " + base.id().shortId() + " (cannot be forced) - image has dependent child images",
                        refused.getMessage());
            }
            // By name only the tag goes; the parent stays for its child (and is hidden from docker images).
            assertEquals(List.of("Untagged: base:1"), images.remove("base:1", false));
            assertEquals(Set.of(base.id()), images.parentIds());
            assertEquals(0, images.prune(false, Set.of()).deleted().size(), "prune keeps a parent while its child exists");

            List<String> lines = images.remove("child:1", false);
            Digest childChain = ChainIds.of(child.config().diffIds()).getLast();
            assertEquals(List.of("Untagged: child:1", "Deleted: " + child.id(), "Deleted: " + childChain,
                    "Deleted: " + base.id(), "Deleted: " + baseLayer), lines);
            assertEquals(List.of(), images.list());
        }
    }

    @Test
    void pruneRemovesDanglingThenUnusedImagesAndGarbage() throws IOException {
        try (ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            Image kept = importBusybox(images, "kept:1");
            Image used = images.importRootfs(new ByteArrayInputStream(new LayerTar().file("used", "u\n").tar()),
                    Optional.of(ImageReference.parse("used:1")), "");
            Image dangling = images.importRootfs(new ByteArrayInputStream(new LayerTar().file("dangling", "d\n").tar()),
                    Optional.empty(), "");

            ImageService.PruneResult first = images.prune(false, Set.of());
            assertEquals("Deleted: " + dangling.id(), first.deleted().getFirst());
            assertTrue(first.spaceReclaimed() > 0);
            assertEquals(Set.of(kept.id(), used.id()), Set.copyOf(images.store.metadata().imageIds()));

            ImageService.PruneResult second = images.prune(true, Set.of(used.id()));
            assertTrue(second.deleted().contains("Untagged: kept:1"), second.deleted().toString());
            assertEquals(List.of(used.id()), images.store.metadata().imageIds());

            Digest orphan = images.store.blobs().write("left behind".getBytes(StandardCharsets.UTF_8));
            assertTrue(images.collectGarbage() >= 1);
            assertFalse(images.store.blobs().contains(orphan));
            assertTrue(images.store.blobs().contains(used.id()), "referenced blobs stay");
        }
    }

    @Test
    void garbageCollectionDuringAPullLeavesTheImageWhole() throws Exception {
        TestImage image = TestImage.of(BusyboxImage.rootfs(), new LayerTar().file("etc/gc", "kept\n"));
        try (TestRegistry registry = TestRegistry.start();
             ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            image.pushTo(registry, "gc/app:1");
            AtomicBoolean pulling = new AtomicBoolean(true);
            AtomicInteger collections = new AtomicInteger();
            Thread collector = Thread.ofVirtual().start(() -> {
                while (pulling.get()) {
                    images.collectGarbage();
                    collections.incrementAndGet();
                }
            });
            Image pulled;
            try {
                pulled = images.pull(ImageReference.parse(registry.host() + "/gc/app:1"), p -> {});
            } finally {
                pulling.set(false);
                collector.join();
            }
            assertTrue(collections.get() > 0);
            images.collectGarbage();
            assertEquals("kept\n", Files.readString(images.layerDirs(pulled).getLast().resolve("etc/gc")));
            for (Digest blob : images.store.metadata().referencedBlobs()) assertTrue(images.store.blobs().contains(blob), blob.toString());
        }
    }
}
