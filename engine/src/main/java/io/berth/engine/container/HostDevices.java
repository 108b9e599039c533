package io.berth.engine.container;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** Device nodes of the host, as OCI devices: one by path for --device, all of /dev for --privileged. */
public final class HostDevices {
    private static final int S_IFMT = 0170000, S_IFCHR = 0020000, S_IFBLK = 0060000;
    /** Directories of /dev whose nodes belong to the host's own instances, not to hardware. */
    private static final Set<String> SKIPPED = Set.of("pts", "shm", "mqueue", "fd");

    private HostDevices() {}

    /** The node at {@code hostPath}, to appear at {@code containerPath}; refused when missing or not a device. */
    public static Linux.Device device(String hostPath, String containerPath) {
        try {
            return read(Path.of(hostPath), containerPath)
                    .orElseThrow(() -> new InvalidArgumentException("error gathering device information while adding custom device \""
                            + hostPath + "\": not a device node"));
        } catch (NoSuchFileException e) {
            throw new InvalidArgumentException("error gathering device information while adding custom device \""
                    + hostPath + "\": no such file or directory");
        } catch (IOException e) {
            throw new InvalidArgumentException("error gathering device information while adding custom device \""
                    + hostPath + "\": " + e.getMessage());
        }
    }

    /** Every character and block device under /dev, at the same path in the container. */
    public static List<Linux.Device> all() {
        List<Linux.Device> devices = new ArrayList<>();
        walk(Path.of("/dev"), devices);
        return devices;
    }

    private static void walk(Path dir, List<Linux.Device> out) {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.sorted().toList()) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    if (!SKIPPED.contains(p.getFileName().toString())) walk(p, out);
                } else if (!p.toString().equals("/dev/console")) {
                    read(p, p.toString()).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            // a node that vanished or a directory we may not read: the rest still counts
        }
    }

    private static Optional<Linux.Device> read(Path p, String containerPath) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode");
        String type = switch (mode & S_IFMT) {
            case S_IFCHR -> "c";
            case S_IFBLK -> "b";
            default -> null;
        };
        if (type == null) return Optional.empty();
        long rdev = (Long) Files.getAttribute(p, "unix:rdev");
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & 0xfffff000L);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & 0xffffff00L);
        long uid = ((Integer) Files.getAttribute(p, "unix:uid")).longValue();
        long gid = ((Integer) Files.getAttribute(p, "unix:gid")).longValue();
        return Optional.of(new Linux.Device(containerPath, type, major, minor, mode & 07777, uid, gid));
    }
}
