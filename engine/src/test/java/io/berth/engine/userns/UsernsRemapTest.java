package io.berth.engine.userns;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Linux;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UsernsRemapTest {
    private static final UsernsRemap REMAP = new UsernsRemap("u", "g", UsernsRemap.mappings(List.of(new IdRange(231072, 65536))),
            UsernsRemap.mappings(List.of(new IdRange(300000, 65536))));

    @TempDir
    Path dir;

    @Test
    void mapsRangesEndToEndFromContainerIdZero() {
        assertEquals(List.of(new Linux.IdMapping(0, 100000, 65536), new Linux.IdMapping(65536, 300000, 1000)),
                UsernsRemap.mappings(List.of(new IdRange(100000, 65536), new IdRange(300000, 1000))));
        assertEquals(231072, REMAP.rootUid());
        assertEquals(300000, REMAP.rootGid());
    }

    @Test
    void aDirectoryTheRemappedRootCannotSearchIsRefusedByName() throws Exception {
        Path closed = Files.createDirectories(dir.resolve("closed"));
        Path data = Files.createDirectories(closed.resolve("data"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        assertEquals("--userns-remap: the remapped root (uid 231072) cannot reach " + data + ": please allow o+x on " + closed,
                assertThrows(InvalidArgumentException.class, () -> REMAP.checkReachable(data)).getMessage());
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx--x---"));
        Files.setAttribute(closed, "unix:gid", 300000);
        REMAP.checkReachable(data); // through the group
    }
}
