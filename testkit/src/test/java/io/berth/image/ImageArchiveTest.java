package io.berth.image;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.reference.ImageReference;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.LayerTar;
import io.berth.testkit.TestImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static io.berth.image.PushAndInteropTest.skopeo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker save/load: archives Berth writes are read by skopeo as docker-archive and OCI layout, and the other way round. */
class ImageArchiveTest {
    @TempDir
    Path root;

    private final TestImage image = TestImage.of(BusyboxImage.rootfs(), new LayerTar().file("etc/saved", "yes\n"));

    @Test
    void savesAnArchiveThatIsBothFormatsAndLoadsItBack() throws Exception {
        Path archive = root.resolve("saved.tar");
        String app;
        Image pulled;
        Image plain;
        try (TestRegistry registry = TestRegistry.start();
             ImageService images = new ImageService(root.resolve("a"), RegistryHosts.defaults())) {
            image.pushTo(registry, "app:1");
            app = registry.host() + "/app:1";
            pulled = images.pull(ImageReference.parse(app), p -> {});
            plain = images.importRootfs(new ByteArrayInputStream(new LayerTar().file("plain", "p\n").tar()),
                    Optional.of(ImageReference.parse("plain:2")), "");
            try (OutputStream out = Files.newOutputStream(archive)) {
                images.save(List.of(app, "plain:2"), out);
            }
        }
        skopeo("copy", "docker-archive:" + archive + ":" + app, "dir:" + root.resolve("from-docker-archive"));
        assertTrue(Files.exists(root.resolve("from-docker-archive").resolve(pulled.id().hex())));
        skopeo("copy", "oci-archive:" + archive + ":2", "dir:" + root.resolve("from-oci"));
        assertTrue(Files.exists(root.resolve("from-oci").resolve(plain.id().hex())));

        try (ImageService images = new ImageService(root.resolve("b"), RegistryHosts.defaults());
             InputStream in = Files.newInputStream(archive)) {
            List<String> lines = images.load(in);
            assertEquals(List.of("Loaded image: " + app, "Loaded image: plain:2"), lines);
            Image loaded = images.resolve(app);
            assertEquals(pulled.id(), loaded.id());
            assertEquals(plain.id(), images.resolve("plain:2").id());
            assertEquals("yes\n", Files.readString(images.layerDirs(loaded).getLast().resolve("etc/saved")));
        }
    }

    @Test
    void loadsDockerArchivesAndOciArchivesWrittenBySkopeo() throws Exception {
        try (TestRegistry registry = TestRegistry.start();
             ImageService images = new ImageService(root.resolve("store"), RegistryHosts.defaults())) {
            image.pushTo(registry, "app:1");
            Path dockerArchive = root.resolve("docker.tar");
            Path ociArchive = root.resolve("oci.tar");
            skopeo("copy", "--src-tls-verify=false", "docker://" + registry.host() + "/app:1", "docker-archive:" + dockerArchive + ":skopeo/app:1");
            skopeo("copy", "--src-tls-verify=false", "docker://" + registry.host() + "/app:1", "oci-archive:" + ociArchive + ":1");
            try (InputStream in = Files.newInputStream(dockerArchive)) {
                assertEquals(List.of("Loaded image: skopeo/app:1"), images.load(in));
            }
            assertEquals(image.id(), images.resolve("skopeo/app:1").id());
            images.remove("skopeo/app:1", false);
            try (InputStream in = Files.newInputStream(ociArchive)) {
                assertEquals(List.of("Loaded image ID: " + image.id()), images.load(in));
            }
            assertEquals("yes\n", Files.readString(images.layerDirs(images.resolve(image.id().toString())).getLast().resolve("etc/saved")));
        }
    }

    @Test
    void refusesArchivesThatPointOutside() throws Exception {
        byte[] manifest = "[{\"Config\":\"../../../../etc/passwd\",\"RepoTags\":[\"evil:1\"],\"Layers\":[]}]".getBytes(StandardCharsets.UTF_8);
        byte[] tar = new LayerTar().file("manifest.json", manifest, 0644).tar();
        try (ImageService images = new ImageService(root.resolve("store"), RegistryHosts.defaults())) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> images.load(new ByteArrayInputStream(tar)));
            assertTrue(e.getMessage().contains("etc/passwd"), e.getMessage());
            byte[] escaping = new LayerTar().file("../outside", "x").tar();
            assertThrows(InvalidArgumentException.class, () -> images.load(new ByteArrayInputStream(escaping)));
            assertTrue(images.list().isEmpty());
            assertFalse(Files.exists(root.resolve("outside")));
        }
    }
}
