package io.berth.engine.image;

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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker export through a real read-only overlay: layers merged with the upper dir, whiteouts applied, mounts' contents absent. */
class ContainerExportTest {
    private Path root;

    @BeforeEach
    void layers() throws IOException {
        root = Files.createTempDirectory("berth-export-");
        Path bottom = Files.createDirectories(root.resolve("layer1"));
        Path top = Files.createDirectories(root.resolve("layer2"));
        Path upper = Files.createDirectories(root.resolve("upper"));
        Files.createDirectories(root.resolve("scratch"));
        Files.createDirectories(bottom.resolve("etc"));
        Files.writeString(bottom.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
        Files.writeString(bottom.resolve("etc/motd"), "old motd\n");
        Files.createDirectories(bottom.resolve("opt/tool"));
        Files.writeString(bottom.resolve("opt/tool/bin"), "v1");
        Files.writeString(top.resolve("gone"), "deleted by the container");
        Files.writeString(top.resolve("etc-less"), "from layer 2");
        // The container: changed motd, deleted /gone, replaced /opt/tool (opaque), the runtime's mount points.
        Files.createDirectories(upper.resolve("etc"));
        Files.writeString(upper.resolve("etc/motd"), "new motd\n");
        Files.createFile(upper.resolve("etc/hostname"));
        Files.createDirectories(upper.resolve("proc"));
        Syscalls.mknod(upper.resolve("gone"), Syscalls.S_IFCHR | 0600, 0, 0);
        Files.createDirectories(upper.resolve("opt/tool"));
        Syscalls.lsetxattr(upper.resolve("opt/tool"), "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(upper.resolve("opt/tool/other"), "v2");
    }

    @AfterEach
    void cleanUp() throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private Map<String, String> export(List<Path> layers) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        ContainerExport.write(root.resolve("upper"), layers, root.resolve("scratch"), tar);
        Map<String, String> files = new TreeMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar.toByteArray()))) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                files.put(entry.getName(), entry.isDirectory() ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return files;
    }

    @Test
    void exportsTheMergedFilesystemWithoutWhatIsMountedInIt() throws IOException {
        // A mount on a directory of the upper dir, as the runtime mounts proc in the container, is not in the export.
        Path mounted = root.resolve("upper/proc");
        Syscalls.mount("tmpfs", mounted, "tmpfs", 0, "size=1m");
        Map<String, String> files;
        try {
            Files.writeString(mounted.resolve("inside-a-mount"), "not exported");
            files = export(List.of(root.resolve("layer1"), root.resolve("layer2")));
        } finally {
            Syscalls.umount(mounted, Syscalls.MNT_DETACH);
        }
        assertEquals(Map.of("etc/", "", "etc/hostname", "", "etc/motd", "new motd\n", "etc/passwd", "root:x:0:0::/root:/bin/sh\n",
                "etc-less", "from layer 2", "opt/", "", "opt/tool/", "", "opt/tool/other", "v2", "proc/", ""), files);
        try (Stream<Path> left = Files.list(root.resolve("scratch"))) {
            assertEquals(0, left.count(), "scratch directory left behind");
        }
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(root.toString()), "export mount left behind");
    }

    @Test
    void aContainerOfAnImageWithoutLayersExportsItsUpperDir() throws IOException {
        Map<String, String> files = export(List.of());
        assertTrue(files.containsKey("etc/motd") && files.containsKey("opt/tool/other"), files.toString());
        assertFalse(files.containsKey("gone") || files.keySet().stream().anyMatch(name -> name.contains(".wh.")), files.toString());
    }
}
