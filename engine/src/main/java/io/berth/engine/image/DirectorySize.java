package io.berth.engine.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Bytes of the regular files under a directory, symlinks not followed (what `du` of a layer counts, roughly). */
public final class DirectorySize {
    private DirectorySize() {}

    public static long of(Path dir) {
        if (!Files.isDirectory(dir)) return 0;
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) total[0] += attrs.size();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // a running container may delete files while we count
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("measuring " + dir, e);
        }
        return total[0];
    }
}
