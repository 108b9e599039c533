package io.berth.image.store;

import io.berth.image.layer.Trees;

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
