package io.berth.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.oci.image.MediaTypes;
import io.berth.oci.image.OciJson;
import io.berth.oci.reference.ImageReference;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.LayerTar;
import io.berth.testkit.TestImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Interoperability with another real client: skopeo converts images to OCI and reads what Berth pushes. */
class SkopeoInteropTest {
    @TempDir
    Path root;

    private static String skopeo(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), () -> String.join(" ", command) + ": " + output);
        return output;
    }

    @Test
    void pullsAnOciImageWrittenBySkopeo() throws Exception {
        try (TestRegistry registry = TestRegistry.start();
             ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            TestImage image = TestImage.of(BusyboxImage.rootfs(), new LayerTar().file("etc/motd", "oci\n"));
            image.pushTo(registry, "docker-format:1");
            skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--format", "oci",
                    "docker://" + registry.host() + "/docker-format:1", "docker://" + registry.host() + "/oci-format:1");
            JsonNode manifest = OciJson.MAPPER.readTree(skopeo("inspect", "--raw", "--tls-verify=false",
                    "docker://" + registry.host() + "/oci-format:1"));
            assertEquals(MediaTypes.OCI_LAYER_GZIP, manifest.path("layers").path(0).path("mediaType").asText());

            Image pulled = images.pull(ImageReference.parse(registry.host() + "/oci-format:1"), p -> {});
            assertEquals(image.id(), pulled.id(), "same config bytes, same image id");
            assertEquals("oci\n", Files.readString(images.layerDirs(pulled).get(1).resolve("etc/motd")));
        }
    }

    @Test
    void skopeoReadsWhatBerthPushes() throws Exception {
        try (TestRegistry registry = TestRegistry.start();
             ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            ImageReference target = ImageReference.parse(registry.host() + "/pushed/imported:1");
            images.importRootfs(new ByteArrayInputStream(BusyboxImage.build().rootfsTar()), Optional.of(target), "");
            images.push(target, p -> {});
            String repoDigest = images.resolve(target.toString()).repoDigests().getFirst();
            JsonNode inspected = OciJson.MAPPER.readTree(skopeo("inspect", "--tls-verify=false", "docker://" + target));
            assertEquals("linux", inspected.path("Os").asText());
            assertEquals("amd64", inspected.path("Architecture").asText());
            assertEquals(1, inspected.path("Layers").size());
            assertEquals(repoDigest.substring(repoDigest.indexOf('@') + 1), inspected.path("Digest").asText());
            Path copy = root.resolve("oci-layout");
            skopeo("copy", "--src-tls-verify=false", "docker://" + target, "oci:" + copy + ":x");
            assertTrue(Files.exists(copy.resolve("index.json")));
        }
    }
}
