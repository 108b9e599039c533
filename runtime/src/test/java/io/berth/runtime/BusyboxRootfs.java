package io.berth.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** A rootfs made of the host's /bin/busybox and a symlink per applet, shared by the container tests. */
final class BusyboxRootfs {
    private BusyboxRootfs() {}

    static Path create() throws IOException, InterruptedException {
        // an image's root directory is world-readable; temp directories are not
        Path root = Files.createTempDirectory("berth-busybox", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.createDirectories(root.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
        java.lang.Process list = new ProcessBuilder("/bin/busybox", "--list-full").start();
        for (String applet : new String(list.getInputStream().readAllBytes()).split("\n")) {
            Path link = root.resolve(applet);
            if (applet.isBlank() || Files.exists(link, LinkOption.NOFOLLOW_LINKS)) continue;
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, Path.of("/bin/busybox"));
        }
        list.waitFor();
        for (String dir : List.of("proc", "sys", "dev", "etc", "tmp")) Files.createDirectories(root.resolve(dir));
        return root;
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
