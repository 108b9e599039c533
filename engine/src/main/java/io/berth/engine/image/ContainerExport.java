package io.berth.engine.image;

import io.berth.image.layer.UpperDir;
import io.berth.linux.Syscalls;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * docker export: a container's whole filesystem as one tar. The kernel does the merging: the
 * container's upper dir goes on top of its image layers in a read-only overlay of lower dirs only
 * (whiteouts and opaque directories applied as in the container, no work dir needed, so a running
 * container's live mount is left alone), mounted in a scratch directory just for the walk and
 * unmounted after it. What the runtime mounts in the container (proc, sysfs, the /dev tmpfs, the
 * /etc/hostname, hosts and resolv.conf binds) is not in that overlay, so only the mount points
 * themselves are exported, as empty directories and files, like docker's init layer puts them in.
 */
public final class ContainerExport {
    private ContainerExport() {}

    /**
     * Writes the merged tree of {@code upperDir} over {@code layersBottomFirst} to {@code out} (finished,
     * not closed), using a scratch directory created and removed under {@code scratchParent}.
     */
    public static void write(Path upperDir, List<Path> layersBottomFirst, Path scratchParent, OutputStream out) throws IOException {
        Path scratch = Files.createTempDirectory(scratchParent, "export-");
        Path merged = Files.createDirectory(scratch.resolve("merged"));
        // Overlay needs two lower dirs when it has no upper one; an image without layers gets an empty one.
        Path empty = Files.createDirectory(scratch.resolve("empty"));
        List<String> lowers = new ArrayList<>();
        lowers.add(upperDir.toString());
        layersBottomFirst.reversed().forEach(layer -> lowers.add(layer.toString()));
        if (layersBottomFirst.isEmpty()) lowers.add(empty.toString());
        try {
            Syscalls.mount("overlay", merged, "overlay", Syscalls.MS_RDONLY, "lowerdir=" + String.join(":", lowers));
            try {
                UpperDir.writeTar(merged, out);
            } finally {
                Syscalls.umount(merged, Syscalls.MNT_DETACH);
            }
        } finally {
            Files.delete(empty);
            Files.delete(merged);
            Files.delete(scratch);
        }
    }
}
