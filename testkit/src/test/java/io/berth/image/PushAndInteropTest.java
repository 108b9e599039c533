package io.berth.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.errdefs.NotFoundException;
import io.berth.image.registry.RegistryClient;
import io.berth.image.registry.RegistryRepository;
import io.berth.oci.Digest;
import io.berth.oci.image.MediaTypes;
import io.berth.oci.image.OciJson;
import io.berth.oci.image.Platform;
import io.berth.oci.reference.ImageReference;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.LayerTar;
import io.berth.testkit.TestImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Push against a real registry (existence checks, cross-repository mounts, chunked uploads, all
 * tags, docker's progress lines) and images written by skopeo (a multi-arch index with zstd
 * layers) pulled by platform; skopeo reads what Berth pushes with the same digest.
 */
class PushAndInteropTest {
    @TempDir
    Path root;

    static String skopeo(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), () -> String.join(" ", command) + ": " + output);
        return output;
    }

    private static List<String> statuses(List<PullProgress> events, String status) {
        return events.stream().filter(e -> e.status().equals(status)).map(PullProgress::id).toList();
    }

    @Test
    void pushMountsFromTheSourceRepositoryAndPushesAllTags() throws Exception {
        TestImage image = TestImage.of(BusyboxImage.rootfs(), new LayerTar().file("etc/motd", "mounted\n"));
        try (TestRegistry registry = TestRegistry.start();
             ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            image.pushTo(registry, "library/base:1");
            Image pulled = images.pull(ImageReference.parse(registry.host() + "/library/base:1"), p -> {});
            images.tag(pulled, ImageReference.parse(registry.host() + "/team/app:1"));
            images.tag(pulled, ImageReference.parse(registry.host() + "/team/app:2"));

            List<PullProgress> events = new ArrayList<>();
            images.push(ImageReference.parse(registry.host() + "/team/app"), new PushOptions(null, true), events::add);
            List<String> layerIds = image.layers().stream().map(l -> l.digest().shortId()).toList();
            assertEquals(layerIds.size(), statuses(events, "Preparing").size() / 2, "each layer prepared once per tag");
            assertTrue(events.stream().anyMatch(e -> e.status().equals("Mounted from library/base")), events.toString());
            assertTrue(statuses(events, "Layer already exists").containsAll(layerIds), "the second tag finds them");
            assertTrue(events.stream().anyMatch(e -> e.status().startsWith("1: digest: sha256:")));
            assertTrue(events.stream().anyMatch(e -> e.status().startsWith("2: digest: " + image.manifestDigest() + " size: ")),
                    "a pulled image is pushed with its original manifest: same digest");
            JsonNode tags = OciJson.MAPPER.readTree(skopeo("list-tags", "--tls-verify=false", "docker://" + registry.host() + "/team/app"));
            List<String> tagList = new ArrayList<>();
            tags.path("Tags").forEach(t -> tagList.add(t.asText()));
            assertEquals(List.of("1", "2"), tagList.stream().sorted().toList());
            assertThrows(NotFoundException.class, () -> images.push(ImageReference.parse(registry.host() + "/nothing/here"),
                    new PushOptions(null, true), p -> {}));
        }
    }

    @Test
    void pushUploadsInChunksWithProgressAndSkopeoPullsTheSameDigest() throws Exception {
        try (TestRegistry registry = TestRegistry.start();
             ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            ImageReference target = ImageReference.parse(registry.host() + "/fresh/imported:1");
            byte[] random = new byte[3 << 20];
            new Random(7).nextBytes(random);
            Image imported = images.importRootfs(new ByteArrayInputStream(new LayerTar().file("data.bin", random, 0644).tar()),
                    Optional.of(target), "");
            List<PullProgress> events = new ArrayList<>();
            images.push(target, events::add);
            String layer = events.stream().filter(e -> e.status().equals("Pushed")).findFirst().orElseThrow().id();
            List<PullProgress> pushing = events.stream().filter(e -> e.status().equals("Pushing") && layer.equals(e.id())).toList();
            assertTrue(pushing.size() > 2, "byte progress while pushing: " + pushing);
            assertEquals(pushing.getLast().total(), pushing.getLast().current());
            String last = events.getLast().status();
            assertTrue(last.matches("1: digest: sha256:[0-9a-f]{64} size: \\d+"), last);

            String repoDigest = images.resolve(target.toString()).repoDigests().getFirst();
            JsonNode inspected = OciJson.MAPPER.readTree(skopeo("inspect", "--tls-verify=false", "docker://" + target));
            assertEquals(repoDigest.substring(repoDigest.indexOf('@') + 1), inspected.path("Digest").asText());
            Path copy = root.resolve("skopeo-dir");
            skopeo("copy", "--src-tls-verify=false", "docker://" + target, "dir:" + copy);
            assertTrue(Files.exists(copy.resolve(imported.id().hex())), "skopeo fetched the config by its digest");

            List<PullProgress> again = new ArrayList<>();
            images.push(target, again::add);
            assertEquals(1, statuses(again, "Layer already exists").size());

            // several PATCH requests for one blob, then the PUT
            try (RegistryClient client = new RegistryClient(RegistryHosts.defaults())) {
                RegistryRepository repository = client.open(client.registryEndpoint(registry.host()), "chunks/blob");
                Path blob = root.resolve("blob");
                Files.write(blob, random);
                Digest digest = Digest.sha256(random);
                List<Long> sent = new ArrayList<>();
                repository.uploadBlobChunked(digest, blob, 1 << 20, sent::add);
                assertEquals(random.length, (long) sent.getLast());
                try (InputStream in = repository.openBlob(digest).body()) {
                    assertArrayEquals(random, in.readAllBytes());
                }
            }
        }
    }

    @Test
    void pullProgressFollowsDockersSequence() {
        byte[] random = new byte[2 << 20];
        new Random(3).nextBytes(random);
        TestImage image = TestImage.of(new LayerTar().file("big.bin", random, 0644));
        try (TestRegistry registry = TestRegistry.start();
             ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            image.pushTo(registry, "progress:1");
            List<PullProgress> events = new ArrayList<>();
            images.pull(ImageReference.parse(registry.host() + "/progress:1"), events::add);
            String layer = image.layers().getFirst().digest().shortId();
            List<String> sequence = events.stream().filter(e -> layer.equals(e.id())).map(PullProgress::status).distinct().toList();
            assertEquals(List.of("Pulling fs layer", "Downloading", "Extracting", "Verifying Checksum", "Download complete", "Pull complete"),
                    sequence);
            List<PullProgress> extracting = events.stream().filter(e -> layer.equals(e.id()) && e.status().equals("Extracting")).toList();
            assertTrue(extracting.size() > 2, "byte counts while the single pass extracts: " + extracting);
            assertEquals(random.length, extracting.getLast().current(), "the last count is the unpacked size");
            int verified = events.indexOf(PullProgress.of(layer, "Verifying Checksum"));
            assertTrue(events.subList(verified, events.size()).stream().noneMatch(e -> "Downloading".equals(e.status())));
            assertTrue(events.getLast().status().startsWith("Status: Downloaded newer image for " + registry.host() + "/progress:1"));
        }
    }

    @Test
    void pullsZstdLayersAndAnOciIndexByPlatformWrittenBySkopeo() throws Exception {
        TestImage amd64 = TestImage.of(BusyboxImage.rootfs(), new LayerTar().file("etc/arch", "amd64\n"));
        TestImage arm64 = new TestImage(List.of(BusyboxImage.rootfs(), new LayerTar().file("etc/arch", "arm64\n")), null, "arm64");
        try (TestRegistry registry = TestRegistry.start();
             ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            TestImage.pushIndex(registry, "multi:gzip", Map.of(Platform.of("linux", "amd64"), amd64,
                    new Platform("arm64", "linux", "v8", null, null), arm64));
            // skopeo pushes the index as OCI...
            skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--multi-arch", "all", "--format", "oci",
                    "docker://" + registry.host() + "/multi:gzip", "docker://" + registry.host() + "/multi:oci");
            JsonNode index = OciJson.MAPPER.readTree(skopeo("inspect", "--raw", "--tls-verify=false", "docker://" + registry.host() + "/multi:oci"));
            assertEquals(MediaTypes.OCI_INDEX, index.path("mediaType").asText());
            // ...and, from uncompressed layers, an image with zstd layers (skopeo 1.9 recompresses only into an OCI layout)
            Path plain = root.resolve("plain");
            Path layout = root.resolve("layout");
            skopeo("copy", "--src-tls-verify=false", "--dest-decompress", "docker://" + registry.host() + "/multi:gzip", "dir:" + plain);
            skopeo("copy", "--dest-compress", "--dest-compress-format", "zstd", "dir:" + plain, "oci:" + layout + ":zstd");
            // into a second registry: skopeo's blob cache would otherwise substitute the gzip blobs this one has
            Image zstd;
            try (TestRegistry other = TestRegistry.start()) {
                skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":zstd", "docker://" + other.host() + "/multi:zstd");
                JsonNode manifest = OciJson.MAPPER.readTree(skopeo("inspect", "--raw", "--tls-verify=false", "docker://" + other.host() + "/multi:zstd"));
                assertEquals(MediaTypes.OCI_LAYER_ZSTD, manifest.path("layers").get(1).path("mediaType").asText());
                zstd = images.pull(ImageReference.parse(other.host() + "/multi:zstd"), p -> {});
            }
            assertEquals(amd64.id(), zstd.id(), "same config: recompression keeps the diff ids");
            assertEquals("amd64\n", Files.readString(images.layerDirs(zstd).getLast().resolve("etc/arch")));
            images.remove(zstd.id().toString(), true);

            Image host = images.pull(ImageReference.parse(registry.host() + "/multi:oci"), p -> {});
            assertEquals("amd64", host.config().architecture());
            assertEquals("amd64\n", Files.readString(images.layerDirs(host).getLast().resolve("etc/arch")));
            Image arm = images.pull(ImageReference.parse(registry.host() + "/multi:oci"),
                    new PullOptions(Platform.parse("linux/arm64/v8"), null), p -> {});
            assertEquals("arm64", arm.config().architecture());
            assertEquals("arm64\n", Files.readString(images.layerDirs(arm).getLast().resolve("etc/arch")));
            NotFoundException none = assertThrows(NotFoundException.class, () -> images.pull(
                    ImageReference.parse(registry.host() + "/multi:oci"), new PullOptions(Platform.parse("linux/s390x"), null), p -> {}));
            assertTrue(none.getMessage().contains("linux/s390x"), none.getMessage());
        }
    }
}
