package io.berth.cli.format;

import io.berth.api.model.ContainerSummary;
import io.berth.api.model.ImageSummary;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiskUsageTableTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");
    private static final long CREATED = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();

    private static ImageSummary image(String id, String tag, long size, long shared, long containers) {
        return new ImageSummary("sha256:" + id.repeat(64 / id.length()), "", tag == null ? List.of() : List.of(tag), List.of(),
                CREATED, size, shared, null, Map.of(), containers);
    }

    private static ContainerSummary container(String state, long sizeRw) {
        return new ContainerSummary("c".repeat(64), List.of("/keeper"), "busybox", "sha256:" + "a".repeat(64), "sh -c 'sleep 1'",
                CREATED, List.of(), sizeRw, null, Map.of(), state, "Exited (0) 5 minutes ago", null, null, List.of());
    }

    // Base 4MB shared by both images; the child adds 1MB and is used by a container: 5MB of layers, 4MB+1MB held.
    private final DiskUsageTable.Usage usage = new DiskUsageTable.Usage(5_000_000,
            List.of(image("a", "busybox:latest", 4_000_000, 4_000_000, 0), image("b", "child:v1", 5_000_000, 4_000_000, 1)),
            List.of(container("exited", 2_000)));

    @Test
    void summaryCountsSharedLayersOnceAndKeepsWhatContainersHold() {
        assertEquals("""
                TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE
                Images          2         1         5MB       4MB (80%)
                Containers      1         0         2kB       2kB (100%)
                Local Volumes   0         0         0B        0B
                Build Cache     0         0         0B        0B
                """, DiskUsageTable.summary(usage));
    }

    @Test
    void verboseListsSharedAndUniqueSizePerImage() {
        String table = DiskUsageTable.verbose(usage, NOW);
        assertTrue(table.startsWith("""
                Images space usage:

                REPOSITORY   TAG       IMAGE ID       CREATED          SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS
                busybox      latest    aaaaaaaaaaaa   10 minutes ago   4MB       4MB           0B            0
                child        v1        bbbbbbbbbbbb   10 minutes ago   5MB       4MB           1MB           1

                Containers space usage:

                CONTAINER ID   IMAGE     COMMAND             LOCAL VOLUMES   SIZE      CREATED          STATUS                     NAMES
                cccccccccccc   busybox   "sh -c 'sleep 1'"   0               2kB       10 minutes ago   Exited (0) 5 minutes ago   keeper
                """), table);
        assertTrue(table.endsWith("""

                Build cache usage: 0B

                CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED
                """), table);
    }

    @Test
    void anEmptyDaemonHasNothingReclaimableAndNoShares() {
        String table = DiskUsageTable.summary(new DiskUsageTable.Usage(0, List.of(), List.of()));
        assertTrue(table.contains("Images          0         0         0B        0B\n"), table);
    }
}
