package io.berth.engine.state;

import io.berth.engine.container.Container;
import io.berth.engine.container.ContainerSpec;
import io.berth.engine.container.ContainerState;
import io.berth.engine.container.HostSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContainerStoreTest {
    Path dir;

    @BeforeEach
    void createDir() throws IOException {
        dir = Files.createTempDirectory("berth-store-test");
    }

    @AfterEach
    void deleteDir() throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    static Container container(String id, String name) {
        ContainerSpec spec = new ContainerSpec("busybox", List.of(), List.of("sh"), List.of("PATH=/bin"), "/", "", "host",
                "", Map.of("k", "v"), false, false, false, true, true, null, null);
        return new Container(id, name, "sha256:abc", "busybox", spec, HostSpec.defaults(), Instant.now(),
                ContainerState.CREATED, 0, 0, null, null, "");
    }

    @Test
    void recordsSurviveReopeningAndNamesAreUnique() {
        String id = "ab".repeat(32);
        try (ContainerStore store = ContainerStore.open(dir.resolve("engine.db"))) {
            assertTrue(store.insert(container(id, "web")));
            assertFalse(store.insert(container("cd".repeat(32), "web")));
            Container started = store.byId(id).orElseThrow().running(42, Instant.parse("2026-01-01T00:00:00Z"));
            store.update(started);
        }
        try (ContainerStore store = ContainerStore.open(dir.resolve("engine.db"))) {
            Container c = store.byName("web").orElseThrow();
            assertEquals(ContainerState.RUNNING, c.state());
            assertEquals(42, c.pid());
            assertEquals(Map.of("k", "v"), c.spec().labels());
            assertEquals(List.of(c), store.byIdPrefix("abab"));
            assertEquals(1, store.all().size());
            store.delete(id);
            assertTrue(store.all().isEmpty());
        }
    }
}
