package io.berth.image.store;

import io.berth.image.layer.Trees;
import io.berth.oci.Digest;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;

/**
 * Unpacked layers, one directory per chain id: layers/sha256/&lt;chainid&gt;/diff, shared by every
 * image that has that layer. A layer is unpacked in tmp/ and renamed in only when complete.
 */
public final class LayerStore {
    private static final String DIFF = "diff";
    private final Path dir;
    private final TempArea temp;

    LayerStore(Path root, TempArea temp) throws IOException {
        this.dir = Files.createDirectories(root.resolve("layers").resolve(Digest.SHA256));
        this.temp = temp;
    }

    public Path diffDir(Digest chainId) {
        return dir.resolve(chainId.hex()).resolve(DIFF);
    }

    /** A fresh temp layer directory; unpack into {@link #tempDiff} and then {@link #commit}. */
    public Path newTempLayer() throws IOException {
        Path layer = temp.newDirectory("layer-");
        Files.createDirectory(layer.resolve(DIFF), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        return layer;
    }

    public static Path tempDiff(Path tempLayer) {
        return tempLayer.resolve(DIFF);
    }

    /** Renames a completely unpacked layer into place; false if another pull put the same layer there first. */
    public boolean commit(Path tempLayer, Digest chainId) throws IOException {
        Path target = dir.resolve(chainId.hex());
        if (Files.exists(target)) {
            Trees.delete(tempLayer);
            return false;
        }
        Files.move(tempLayer, target, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    /** Removes a layer: renamed out of sight first so a crash mid-delete leaves only tmp/ garbage. */
    public void delete(Digest chainId) throws IOException {
        Path target = dir.resolve(chainId.hex());
        if (!Files.exists(target)) return;
        Path doomed = temp.newDirectory("deleting-");
        Files.move(target, doomed.resolve("layer"), StandardCopyOption.ATOMIC_MOVE);
        Trees.delete(doomed);
    }

    public Set<Digest> onDisk() throws IOException {
        Set<Digest> present = new HashSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.matches("[a-f0-9]{64}")) present.add(Digest.ofHex(name));
                else Trees.delete(entry);
            }
        }
        return present;
    }
}
