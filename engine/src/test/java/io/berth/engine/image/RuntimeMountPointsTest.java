package io.berth.engine.image;

import io.berth.image.layer.UpperDir;
import io.berth.image.layer.UpperDir.Change;
import io.berth.image.layer.UpperDir.Change.Kind;
import io.berth.linux.Syscalls;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mount points the runtime leaves in a real upper dir stay out of docker diff and commit's layer tar. */
class RuntimeMountPointsTest {
    private Path upper;
    private Path lower;

    @BeforeEach
    void tree() throws IOException {
        upper = Files.createTempDirectory("berth-upper-");
        lower = Files.createTempDirectory("berth-lower-");
        Files.createDirectories(lower.resolve("etc"));
        Files.createDirectories(lower.resolve("var/log"));
        Files.writeString(lower.resolve("var/log/old"), "old");
        // What the runtime leaves: /etc copied up for the bind mount targets, /dev, /proc, /sys made.
        for (String file : List.of("etc/hostname", "etc/hosts", "etc/resolv.conf")) {
            Files.createDirectories(upper.resolve(file).getParent());
            Files.createFile(upper.resolve(file));
        }
        for (String dir : List.of("dev/pts", "proc", "sys")) Files.createDirectories(upper.resolve(dir));
        // What the container did: a new file, an empty directory, a deletion.
        Files.writeString(upper.resolve("hello"), "hi\n");
        Files.createDirectories(upper.resolve("made"));
        Files.createDirectories(upper.resolve("var/log"));
        Syscalls.mknod(upper.resolve("var/log/old"), Syscalls.S_IFCHR | 0600, 0, 0);
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (Path root : List.of(upper, lower)) {
            try (Stream<Path> all = Files.walk(root)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    @Test
    void recognisesTheRuntimesMountPoints() {
        for (String path : List.of("/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/dev", "/dev/pts", "/proc", "/sys/fs")) {
            assertTrue(RuntimeMountPoints.isMountPoint(path), path);
        }
        for (String path : List.of("/etc", "/etc/hostname.bak", "/device", "/proc2", "/hello")) {
            assertFalse(RuntimeMountPoints.isMountPoint(path), path);
        }
    }

    @Test
    void diffLeavesOutMountPointsAndDirectoriesThatOnlyHeldThem() throws IOException {
        assertEquals(List.of(new Change(Kind.A, "/hello"), new Change(Kind.A, "/made"), new Change(Kind.C, "/var"),
                        new Change(Kind.C, "/var/log"), new Change(Kind.D, "/var/log/old")),
                UpperDir.changes(upper, List.of(lower), RuntimeMountPoints::isMountPoint));
    }

    @Test
    void aDirectoryWithRealChangesBesideMountPointsStays() throws IOException {
        Files.writeString(upper.resolve("etc/motd"), "welcome\n");
        List<Change> changes = UpperDir.changes(upper, List.of(lower), RuntimeMountPoints::isMountPoint);
        assertEquals(List.of(new Change(Kind.C, "/etc"), new Change(Kind.A, "/etc/motd")), changes.subList(0, 2));
    }

    @Test
    void commitsLayerTarHasNoMountPoints() throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        UpperDir.writeTar(upper, tar, RuntimeMountPoints::isMountPoint);
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar.toByteArray()))) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) names.add(entry.getName());
        }
        assertEquals(List.of("hello", "made/", "var/", "var/log/", "var/log/.wh.old"), names);
    }
}
