package io.berth.engine.state;

import io.berth.engine.container.Container;
import io.berth.engine.container.ContainerSpec;
import io.berth.engine.container.ContainerState;
import io.berth.engine.container.HostSpec;
import io.berth.engine.container.Isolation;
import io.berth.engine.container.Resources;
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
                "", Map.of("k", "v"), false, false, false, false, true, true, null, null);
        return new Container(id, name, "sha256:abc", "busybox", spec, HostSpec.defaults(), Instant.now(),
                ContainerState.CREATED, 0, 0, null, null, "", false);
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

    @Test
    void limitsIsolationPauseAndOomKillsArePersisted() {
        String id = "ef".repeat(32);
        Resources limits = new Resources(32L << 20, 64L << 20, null, 500_000_000L, null, null, null, "0", null, 10L, null, null);
        Isolation isolation = new Isolation(List.of("NET_ADMIN"), List.of("ALL"), false, List.of("no-new-privileges"), true,
                Map.of("/run", "size=1m"), List.of(new Isolation.Ulimit("nofile", 10, 20)), List.of("audio"), "host", "", "",
                true, List.of());
        try (ContainerStore store = ContainerStore.open(dir.resolve("engine.db"))) {
            Container c = container(id, "limited").withHost(new HostSpec(false, List.of(), "none", limits, isolation));
            assertTrue(store.insert(c));
            store.update(c.running(7, Instant.now()).inState(ContainerState.PAUSED));
            assertTrue(store.byId(id).orElseThrow().isPaused());
            assertTrue(store.byId(id).orElseThrow().isRunning());
            store.update(store.byId(id).orElseThrow().exited(137, Instant.now(), "", true));
        }
        try (ContainerStore store = ContainerStore.open(dir.resolve("engine.db"))) {
            Container c = store.byId(id).orElseThrow();
            assertEquals(limits, c.host().resources());
            assertEquals(isolation, c.host().isolation());
            assertTrue(c.oomKilled());
            assertEquals(137, c.exitCode());
        }
    }

    /** A database from before oom_killed existed gets the column and reads as "not OOM killed". */
    @Test
    void olderDatabasesGainTheNewColumn() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("old.db");
        try (var connection = java.sql.DriverManager.getConnection(url); var s = connection.createStatement()) {
            s.execute("CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, image_id TEXT NOT NULL, "
                    + "image_ref TEXT NOT NULL, spec TEXT NOT NULL, host TEXT NOT NULL, created TEXT NOT NULL, state TEXT NOT NULL, "
                    + "pid INTEGER NOT NULL, exit_code INTEGER NOT NULL, started_at TEXT, finished_at TEXT, error TEXT NOT NULL)");
            s.execute("INSERT INTO containers VALUES ('" + "12".repeat(32) + "', 'old', 'sha256:abc', 'busybox', "
                    + "'{\"image\":\"busybox\",\"cmd\":[\"sh\"]}', '{\"autoRemove\":false,\"binds\":[],\"networkMode\":\"default\"}', "
                    + "'2026-01-01T00:00:00Z', 'exited', 0, 0, NULL, NULL, '')");
        }
        try (ContainerStore store = ContainerStore.open(dir.resolve("old.db"))) {
            Container old = store.byName("old").orElseThrow();
            assertFalse(old.oomKilled());
            assertEquals(Resources.NONE, old.host().resources());
            assertEquals(Isolation.DEFAULTS, old.host().isolation());
        }
    }
}
