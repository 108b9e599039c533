package io.berth.image.layer;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Excluded paths in a real upper dir: left out with the directories that held nothing else, never more. */
class UpperDirTest {
    private static final Predicate<String> SKIP_RUN = path -> path.equals("/run") || path.startsWith("/run/");
    private Path upper;
    private Path lower;

    @BeforeEach
    void dirs() throws IOException {
        upper = Files.createTempDirectory("berth-upper-");
        lower = Files.createTempDirectory("berth-lower-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        Trees.delete(upper);
        Trees.delete(lower);
    }

    private List<String> tarEntries(Predicate<String> excluded) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        UpperDir.writeTar(upper, tar, excluded);
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar.toByteArray()))) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) names.add(entry.getName());
        }
        return names;
    }

    @Test
    void directoriesHoldingOnlyExcludedEntriesGoAndOthersStay() throws IOException {
        Files.createDirectories(upper.resolve("a/b/run"));     // only /run is excluded, not a run directory elsewhere
        Files.createDirectories(upper.resolve("run/x"));       // excluded tree
        Files.createDirectories(upper.resolve("var/empty"));   // an empty directory the container made
        Files.writeString(upper.resolve("var/file"), "kept");
        assertEquals(List.of("a/", "a/b/", "a/b/run/", "var/", "var/empty/", "var/file"), tarEntries(SKIP_RUN));
        assertEquals(List.of("a/", "a/b/", "a/b/run/", "run/", "run/x/", "var/", "var/empty/", "var/file"), tarEntries(path -> false));
    }

    @Test
    void aNestedDirectoryThatOnlyHeldExcludedEntriesGoesWithItsParents() throws IOException {
        Files.createDirectories(upper.resolve("etc/deep"));
        Files.createFile(upper.resolve("etc/deep/hostname"));
        Files.writeString(upper.resolve("z"), "after");
        Predicate<String> hostname = path -> path.equals("/etc/deep/hostname");
        assertEquals(List.of("z"), tarEntries(hostname));
        assertEquals(List.of(new Change(Kind.A, "/z")), UpperDir.changes(upper, List.of(lower), hostname));
    }

    @Test
    void anOpaqueDirectoryStaysEvenWhenItOnlyHeldExcludedEntries() throws IOException {
        Files.createDirectories(lower.resolve("etc"));
        Files.createDirectories(upper.resolve("etc"));
        Files.createFile(upper.resolve("etc/hostname"));
        Syscalls.lsetxattr(upper.resolve("etc"), "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
        Predicate<String> hostname = path -> path.equals("/etc/hostname");
        assertEquals(List.of("etc/", "etc/.wh..wh..opq"), tarEntries(hostname));
        assertEquals(List.of(new Change(Kind.C, "/etc")), UpperDir.changes(upper, List.of(lower), hostname));
    }
}
