package io.berth.image.store;

import io.berth.image.layer.DirectoryCalls;
import io.berth.image.layer.Trees;
import io.berth.linux.LinuxException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * root/tmp: where blobs and layers are built before being renamed into place. It is on the same
 * filesystem as the store (renames are atomic) and emptied at start, which removes whatever a crash
 * left half-done.
 */
final class TempArea {
    private final Path dir;

    TempArea(Path root) throws IOException {
        this.dir = Files.createDirectories(root.resolve("tmp"));
        spreadNewDirectories(dir);
    }

    /**
     * Marks tmp/ as a top of directory hierarchies (chattr +T): ext4 then places each layer directory
     * built here in a block group with room and few directories, as it does for directories at its root,
     * instead of next to tmp/ itself. That matters for unpacking speed: ext4 without a journal skips
     * inodes freed in the last seconds, one buffer-cache lookup each, scanning from the start of the group
     * for every new file, so a group where many files were just deleted (a removed layer, other programs'
     * temp files) costs each created file a scan; measured here, tar -x of a 114 MB layer took 2.1-2.4 s in
     * such a group and 0.4 s under a +T parent. Other filesystems have no such flag: then nothing changes.
     */
    private static void spreadNewDirectories(Path dir) {
        try (DirectoryCalls calls = new DirectoryCalls()) {
            int fd = calls.openat(DirectoryCalls.AT_FDCWD, dir.toString(), DirectoryCalls.O_RDONLY | DirectoryCalls.O_DIRECTORY, 0);
            try {
                calls.addInodeFlags(fd, DirectoryCalls.FS_TOPDIR_FL);
            } finally {
                calls.close(fd);
            }
        } catch (LinuxException e) {
            // not ext2/3/4 (ENOTTY, EOPNOTSUPP, EINVAL) or not permitted: placement is only an optimisation
        }
    }

    void clear() throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir)) {
            for (Path leftover : leftovers) Trees.delete(leftover);
        }
    }

    Path newFile(String prefix) throws IOException {
        return Files.createTempFile(dir, prefix, "");
    }

    Path newDirectory(String prefix) throws IOException {
        return Files.createTempDirectory(dir, prefix);
    }
}
