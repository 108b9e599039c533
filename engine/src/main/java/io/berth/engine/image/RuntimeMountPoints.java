package io.berth.engine.image;

import java.util.Set;

/**
 * What the engine itself puts into a container's writable layer and docker keeps in a hidden init
 * layer instead: the mount points of /dev, /proc, /sys and the bind-mounted /etc/hostname, /etc/hosts
 * and /etc/resolv.conf. docker diff and commit leave them out (and, through the image store's tree
 * walk, the directories that were made or copied up only to hold them); export keeps them, as docker's
 * export of the merged filesystem includes its init layer.
 */
public final class RuntimeMountPoints {
    private static final Set<String> FILES = Set.of("/etc/hostname", "/etc/hosts", "/etc/resolv.conf");
    private static final Set<String> TREES = Set.of("/dev", "/proc", "/sys");

    private RuntimeMountPoints() {}

    /** Whether an absolute container path is one of the runtime's mount points or lies under a mounted tree. */
    public static boolean isMountPoint(String path) {
        return FILES.contains(path) || TREES.stream().anyMatch(tree -> path.equals(tree) || path.startsWith(tree + "/"));
    }
}
