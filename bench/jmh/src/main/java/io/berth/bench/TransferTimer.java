package io.berth.bench;

import io.berth.image.Image;
import io.berth.image.ImageService;
import io.berth.image.RegistryHosts;
import io.berth.image.layer.Trees;
import io.berth.oci.reference.ImageReference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * bench/pull.sh's Berth side when no berthd is at hand: times cold pulls (a fresh store each run)
 * and pushes (to a new repository each run, so nothing is skipped) through ImageService directly.
 * Usage: TransferTimer pull|push IMAGE [PUSH_REGISTRY] RUNS WORKDIR. Prints one time in ms per line.
 */
public final class TransferTimer {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        ImageReference source = ImageReference.parse(args[1]);
        int runs = Integer.parseInt(args[mode.equals("push") ? 3 : 2]);
        Path work = Path.of(args[mode.equals("push") ? 4 : 3]);
        List<Long> times = new ArrayList<>();
        if (mode.equals("pull")) {
            for (int run = 0; run < runs; run++) {
                Path root = Files.createDirectories(work.resolve("pull-" + run));
                try (ImageService images = new ImageService(root, RegistryHosts.defaults())) {
                    long t0 = System.nanoTime();
                    images.pull(source, p -> {});
                    times.add((System.nanoTime() - t0) / 1_000_000);
                } finally {
                    Trees.delete(root);
                }
            }
        } else {
            Path root = Files.createDirectories(work.resolve("push-store"));
            try (ImageService images = new ImageService(root, RegistryHosts.defaults())) {
                Image image = images.pull(source, p -> {});
                for (int run = 0; run < runs; run++) {
                    ImageReference target = ImageReference.parse(args[2] + "/berth-push-" + run + "-" + System.nanoTime() + ":1");
                    images.tag(image, target);
                    long t0 = System.nanoTime();
                    images.push(target, p -> {});
                    times.add((System.nanoTime() - t0) / 1_000_000);
                }
            } finally {
                Trees.delete(root);
            }
        }
        times.forEach(System.out::println);
    }
}
