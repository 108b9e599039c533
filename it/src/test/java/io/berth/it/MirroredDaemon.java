package io.berth.it;

import io.berth.testkit.BusyboxImage;
import io.berth.testkit.TestRegistry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The usual end-to-end setup: a real docker-registry on loopback holding library/busybox:latest (built
 * from Debian's busybox-static) and a private berthd that uses it as its Docker Hub mirror and trusts it
 * over plain HTTP, so `docker pull busybox` works offline. Closing removes all of it.
 */
record MirroredDaemon(Path dir, TestRegistry registry, BerthDaemon daemon) implements AutoCloseable {
    /** Skipped (not failed) where the docker CLI the tests drive is missing. */
    static MirroredDaemon start(String prefix, String... extraFlags) throws Exception {
        assumeTrue(Files.isExecutable(Commands.DOCKER_CLI), "the docker CLI is not installed at " + Commands.DOCKER_CLI);
        Path dir = Files.createTempDirectory(prefix);
        TestRegistry registry = null;
        try {
            registry = TestRegistry.start();
            BusyboxImage.build().push(registry, "library/busybox:latest");
            List<String> flags = new ArrayList<>(List.of("--registry-mirror", registry.uri().toString(),
                    "--insecure-registry", registry.host()));
            flags.addAll(List.of(extraFlags));
            return new MirroredDaemon(dir, registry, new BerthDaemon(dir, flags).start());
        } catch (Exception | Error e) {
            if (registry != null) registry.close();
            DockerCliTest.deleteTree(dir);
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            daemon.close();
        } finally {
            try {
                registry.close();
            } finally {
                DockerCliTest.deleteTree(dir);
            }
        }
    }
}
