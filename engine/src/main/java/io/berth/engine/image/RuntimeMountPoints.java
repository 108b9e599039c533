package io.berth.engine.image;

import io.berth.image.layer.UpperDir;

import java.util.List;
import java.util.Set;

/**
 * docker diff leaves out what the engine itself puts into a container's writable layer: the mount
 * points of /dev, /proc, /sys and the bind-mounted /etc/hostname, /etc/hosts and /etc/resolv.conf
 * (docker keeps them in a hidden init layer), and the directories that changed only to hold them.
 */
public final class RuntimeMountPoints {
    private static final Set<String> FILES = Set.of("/etc/hostname", "/etc/hosts", "/etc/resolv.conf");
    private static final Set<String> TREES = Set.of("/dev", "/proc", "/sys");

    private RuntimeMountPoints() {}

    public static List<UpperDir.Change> withoutMountPoints(List<UpperDir.Change> changes) {
        List<UpperDir.Change> kept = changes.stream().filter(c -> !isMountPoint(c.path())).toList();
        return kept.stream().filter(c -> !onlyHoldsMountPoints(c, changes, kept)).toList();
    }

    private static boolean isMountPoint(String path) {
        return FILES.contains(path) || TREES.stream().anyMatch(t -> path.equals(t) || path.startsWith(t + "/"));
    }

    /** A directory reported only because mount points were made in it (e.g. "A /etc" for an image without /etc). */
    private static boolean onlyHoldsMountPoints(UpperDir.Change dir, List<UpperDir.Change> all, List<UpperDir.Change> kept) {
        if (dir.kind() == UpperDir.Change.Kind.D) return false;
        String prefix = dir.path().equals("/") ? "/" : dir.path() + "/";
        boolean heldMountPoints = all.stream().anyMatch(c -> c.path().startsWith(prefix) && isMountPoint(c.path()));
        boolean holdsOthers = kept.stream().anyMatch(c -> c.path().startsWith(prefix));
        return heldMountPoints && !holdsOthers;
    }
}
