package io.berth.image;

import io.berth.oci.reference.ImageReference;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Wall time of a cold busybox pull from a local registry (median of 5, fresh store each time) and of
 * importRootfs. Run with: mvn -pl testkit test -Dtest=PullTimingBench -Dberth.bench=true
 */
@EnabledIfSystemProperty(named = "berth.bench", matches = "true")
class PullTimingBench {
    @TempDir
    Path root;

    @Test
    void measure() {
        try (TestRegistry registry = TestRegistry.start()) {
            var image = BusyboxImage.pushTo(registry, "library/busybox:latest");
            RegistryHosts hosts = new RegistryHosts(List.of(registry.uri()), List.of());
            List<Long> pulls = new ArrayList<>();
            long firstInJvm = 0;
            for (int i = 0; i < 6; i++) {
                try (ImageService images = new ImageService(root.resolve("pull" + i), hosts)) {
                    long start = System.nanoTime();
                    assertEquals(image.id(), images.pull(ImageReference.parse("busybox"), p -> {}).id());
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    if (i == 0) firstInJvm = millis; // also warms the JIT and the HTTP client
                    else pulls.add(millis);
                }
            }
            System.out.printf("BENCH first pull in a fresh JVM: %d ms%n", firstInJvm);
            byte[] tar = BusyboxImage.rootfs().tar();
            List<Long> imports = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                try (ImageService images = new ImageService(root.resolve("import" + i), hosts)) {
                    long start = System.nanoTime();
                    images.importRootfs(new ByteArrayInputStream(tar), Optional.empty(), "");
                    if (i > 0) imports.add((System.nanoTime() - start) / 1_000_000);
                }
            }
            System.out.printf("BENCH cold pull busybox (%d KiB layer): ms %s median %d%n",
                    image.layers().getFirst().blob().length / 1024, pulls, median(pulls));
            System.out.printf("BENCH importRootfs busybox (%d KiB tar): ms %s median %d%n", tar.length / 1024, imports, median(imports));
        }
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }
}
