package io.berth.engine.userns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SubordinateIdsTest {
    @TempDir
    Path dir;

    @Test
    void readsRangesByNameOrIdLowestFirstAndSkipsMalformedLines() throws Exception {
        Path file = dir.resolve("subuid");
        Files.writeString(file, "alice:300000:1000\nbroken\n1001:100000:65536\nbob:x:5\nalice:200000:65536\ncarol:1:0\n");
        SubordinateIds ids = SubordinateIds.read(file);
        assertEquals(List.of(new IdRange(100000, 65536), new IdRange(200000, 65536), new IdRange(300000, 1000)),
                ids.rangesOf("alice", 1001));
        assertEquals(List.of(), ids.rangesOf("bob", 7));
        assertEquals(3, ids.entries().size());
    }

    @Test
    void findsTheFirstRangeThatOverlapsNoOne() throws Exception {
        Path file = dir.resolve("subgid");
        Files.writeString(file, "a:100000:65536\nb:165536:10\nc:300000:65536\n");
        SubordinateIds ids = SubordinateIds.read(file);
        assertEquals(new IdRange(165546, 65536), ids.firstFree(100000, 65536));
        assertEquals(new IdRange(365536, 140000), ids.firstFree(100000, 140000), "too long for the gap between b and c");
        assertEquals(new IdRange(100000, 65536), SubordinateIds.read(dir.resolve("missing")).firstFree(100000, 65536));
    }
}
