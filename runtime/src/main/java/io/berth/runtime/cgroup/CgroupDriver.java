package io.berth.runtime.cgroup;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.LinuxResources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Creates, limits and removes a container's cgroup on one kind of hierarchy. */
public sealed interface CgroupDriver permits CgroupV1Driver, CgroupV2Driver {
    CgroupVersion version();

    /**
     * Creates the cgroup {@code path} (relative to the hierarchy roots, e.g. "berth/abc") and applies the limits
     * that are set. Returns the cgroup.procs files a process writes itself into to join it.
     */
    List<Path> create(String path, LinuxResources resources) throws IOException;

    /** The hierarchies to show a container whose cgroup is {@code path}. */
    List<HierarchyMount> hierarchyMounts(String path);

    /** Removes the cgroup; a cgroup that does not exist is not an error. */
    void remove(String path) throws IOException;

    /** The driver for this host: v2 when /sys/fs/cgroup is the unified hierarchy, else v1 controllers. */
    static CgroupDriver detect() throws IOException {
        Path root = Path.of("/sys/fs/cgroup");
        return Files.exists(root.resolve("cgroup.controllers")) ? new CgroupV2Driver(root) : CgroupV1Driver.fromMountinfo();
    }

    /** A cgroups path relative to the hierarchy roots; "/berth/x" and "berth/x" are the same cgroup. */
    static Path relative(String cgroupsPath) {
        Path path = Path.of(cgroupsPath.replaceFirst("^/+", "")).normalize();
        if (path.toString().isEmpty() || path.startsWith("..") || path.isAbsolute())
            throw new InvalidArgumentException("invalid cgroups path: " + cgroupsPath);
        return path;
    }

    /** rmdir; the kernel reports EBUSY for a short while after the last process of a cgroup has exited. */
    static void removeDirectory(Path dir) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                Files.delete(dir);
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (FileSystemException e) {
                if (attempt >= 100 || e.getReason() == null || !e.getReason().contains("busy")) throw e;
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    static void write(Path file, String value) throws IOException {
        Files.writeString(file, value);
    }
}
