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

    /** Applies the limits that are set in {@code resources} to an existing cgroup (docker update). */
    void update(String path, LinuxResources resources) throws IOException;

    /** Freezes (true) or thaws every process of the cgroup; returns once the kernel reports the new state. */
    void freeze(String path, boolean frozen) throws IOException;

    /** Whether the cgroup's processes are frozen now (paused); false for a cgroup that does not exist. */
    boolean frozen(String path) throws IOException;

    /** Host pids of the processes in the cgroup. */
    List<Integer> processes(String path) throws IOException;

    CgroupStats stats(String path) throws IOException;

    /** The file whose "oom_kill N" line counts the OOM kills in the cgroup (the shim's monitor reads it around the run). */
    Path oomEventsFile(String path);

    /** Removes the cgroup; a cgroup that does not exist is not an error. */
    void remove(String path) throws IOException;

    /** The driver for this host: v2 when /sys/fs/cgroup is the unified hierarchy, else v1 controllers. */
    static CgroupDriver detect() throws IOException {
        Path root = Path.of("/sys/fs/cgroup");
        return Files.exists(root.resolve("cgroup.controllers")) ? new CgroupV2Driver(root) : CgroupV1Driver.fromMountinfo();
    }

    /**
     * The spec's device rules with those appended that runc appends: the devices every container gets (null, zero,
     * full, tty, random, urandom), its console and ptys, and mknod of any node (using one still needs a rule).
     */
    static List<LinuxResources.DeviceRule> withAlwaysAllowedDevices(List<LinuxResources.DeviceRule> rules) {
        List<LinuxResources.DeviceRule> all = new java.util.ArrayList<>(rules);
        all.addAll(List.of(
                new LinuxResources.DeviceRule(true, "c", null, null, "m"), new LinuxResources.DeviceRule(true, "b", null, null, "m"),
                new LinuxResources.DeviceRule(true, "c", 1L, 3L, "rwm"), new LinuxResources.DeviceRule(true, "c", 1L, 5L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 1L, 7L, "rwm"), new LinuxResources.DeviceRule(true, "c", 1L, 8L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 1L, 9L, "rwm"), new LinuxResources.DeviceRule(true, "c", 5L, 0L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 5L, 1L, "rwm"), new LinuxResources.DeviceRule(true, "c", 5L, 2L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 136L, null, "rwm")));
        return all;
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

    static List<Integer> readPids(Path procsFile) throws IOException {
        return Files.readAllLines(procsFile).stream().filter(line -> !line.isBlank()).map(Integer::valueOf).toList();
    }

    /** A number from a cgroup file; "max" and v1's "unlimited" (LONG_MAX rounded down to a page) are UNLIMITED. */
    static long readLimit(Path file) throws IOException {
        String value = Files.readString(file).strip();
        if (value.equals("max")) return CgroupStats.UNLIMITED;
        long number = Long.parseLong(value);
        return number >= Long.MAX_VALUE - 4096 * 1024L ? CgroupStats.UNLIMITED : number;
    }

    static long readNumber(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).strip());
    }

    /** The value of {@code key} in a flat-keyed cgroup file ("usage_usec 123"), 0 when absent. */
    static long readKey(Path file, String key) throws IOException {
        for (String line : Files.readAllLines(file)) {
            String[] kv = line.split(" ");
            if (kv.length == 2 && kv[0].equals(key)) return Long.parseLong(kv[1]);
        }
        return 0;
    }

    /** Polls {@code done} while the kernel finishes a state change (freezing waits for every task to stop). */
    static void awaitState(String what, IoCondition done) throws IOException {
        for (int attempt = 0; attempt < 1000; attempt++) {
            if (done.holds()) return;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + what, e);
            }
        }
        throw new IOException("timed out waiting for " + what);
    }

    @FunctionalInterface
    interface IoCondition {
        boolean holds() throws IOException;
    }
}
