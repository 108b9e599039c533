package io.berth.image.layer;

import io.berth.linux.Errno;
import io.berth.linux.LinuxException;
import io.berth.linux.Syscalls;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Unpacks one layer tar into a directory the way overlayfs wants to see it: AUFS-style whiteouts
 * become 0/0 character devices, opaque markers become trusted.overlay.opaque=y; ownership, modes
 * (including setuid/sticky), mtimes, xattrs, links and device nodes are preserved. Entries that
 * would escape the root ("..", or a parent that is a symlink) are refused.
 */
public final class TarExtractor {
    private static final String WHITEOUT_PREFIX = ".wh.";
    private static final String OPAQUE_MARKER = ".wh..wh..opq";
    private static final String XATTR_PAX_PREFIX = "SCHILY.xattr.";
    private static final byte[] OPAQUE_VALUE = "y".getBytes(StandardCharsets.US_ASCII);

    private final Path root;
    private final boolean asRoot = Syscalls.geteuid() == 0;
    /** Directories known to be real directories inside root: their paths need no symlink check. */
    private final Set<Path> verifiedDirs = new HashSet<>();
    /** Directory mtimes are set last: creating entries inside them would change them again. */
    private final List<Map.Entry<Path, TarArchiveEntry>> directoryTimes = new ArrayList<>();
    private long unpackedBytes;

    private TarExtractor(Path root) {
        this.root = root;
        verifiedDirs.add(root);
    }

    /** Extracts {@code tar} into the existing directory {@code root}; returns the bytes of regular file content. */
    public static long extract(InputStream tar, Path root) throws IOException {
        TarExtractor extractor = new TarExtractor(root);
        TarArchiveInputStream entries = new TarArchiveInputStream(tar);
        TarArchiveEntry entry;
        while ((entry = entries.getNextEntry()) != null) {
            extractor.apply(entry, entries);
        }
        extractor.finishDirectoryTimes();
        return extractor.unpackedBytes;
    }

    private void apply(TarArchiveEntry entry, InputStream content) throws IOException {
        List<String> components = components(entry.getName());
        if (components.isEmpty()) return; // the layer root itself: keep the store's own directory metadata
        String base = components.getLast();
        Path parent = ensureParent(entry.getName(), components);
        if (base.startsWith(WHITEOUT_PREFIX)) {
            applyWhiteout(parent, base);
            return;
        }
        Path target = parent.resolve(base);
        if (entry.isDirectory()) {
            BasicFileAttributes existing = attributes(target);
            if (existing != null && !existing.isDirectory()) removeRecursively(target);
            if (existing == null || !existing.isDirectory()) Files.createDirectory(target);
            verifiedDirs.add(target);
            applyMetadata(target, entry);
            directoryTimes.add(Map.entry(target, entry));
            return;
        }
        BasicFileAttributes existing = attributes(target);
        if (existing != null) removeRecursively(target);
        if (entry.isSymbolicLink()) {
            Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
            createHardLink(entry, target);
            return; // a hard link shares its target's inode and metadata
        } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
            int type = entry.isCharacterDevice() ? Syscalls.S_IFCHR : entry.isBlockDevice() ? Syscalls.S_IFBLK : Syscalls.S_IFIFO;
            Syscalls.mknod(target, type | (entry.getMode() & 07777), entry.getDevMajor(), entry.getDevMinor());
        } else if (entry.isFile()) {
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                unpackedBytes += content.transferTo(out);
            }
        } else {
            return; // sockets, GNU volume headers and the like carry nothing a container can use
        }
        applyMetadata(target, entry);
        setTimes(target, entry);
    }

    private void createHardLink(TarArchiveEntry entry, Path link) throws IOException {
        List<String> targetComponents = components(entry.getLinkName());
        if (targetComponents.isEmpty()) throw new UnsafeLayerEntryException(entry.getName(), "hard link to the layer root");
        Path targetParent = ensureParent(entry.getLinkName(), targetComponents);
        Path target = targetParent.resolve(targetComponents.getLast());
        BasicFileAttributes attributes = attributes(target);
        if (attributes == null) throw new UnsafeLayerEntryException(entry.getName(), "hard link target " + entry.getLinkName() + " missing");
        if (attributes.isDirectory()) throw new UnsafeLayerEntryException(entry.getName(), "hard link to a directory");
        Files.createLink(link, target);
    }

    private void applyWhiteout(Path parent, String base) throws IOException {
        if (base.equals(OPAQUE_MARKER)) {
            Syscalls.lsetxattr(parent, "trusted.overlay.opaque", OPAQUE_VALUE);
        } else if (!base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
            // other .wh..wh.* names are aufs bookkeeping with no meaning for overlay
            Path hidden = parent.resolve(base.substring(WHITEOUT_PREFIX.length()));
            if (attributes(hidden) != null) removeRecursively(hidden);
            Syscalls.mknod(hidden, Syscalls.S_IFCHR, 0, 0);
        }
    }

    private void applyMetadata(Path target, TarArchiveEntry entry) throws IOException {
        if (asRoot) Syscalls.lchown(target, (int) entry.getLongUserId(), (int) entry.getLongGroupId());
        boolean symlink = entry.isSymbolicLink();
        if (!symlink) {
            // chown clears setuid/setgid, so the mode goes second; "unix:mode" keeps all 12 permission bits.
            // Following links is safe: target is not a symlink and was just created under verified parents
            // (the no-follow variant opens the file, which fails for device nodes).
            Files.setAttribute(target, "unix:mode", entry.getMode() & 07777);
        }
        for (Map.Entry<String, String> header : entry.getExtraPaxHeaders().entrySet()) {
            if (!header.getKey().startsWith(XATTR_PAX_PREFIX)) continue;
            String name = header.getKey().substring(XATTR_PAX_PREFIX.length());
            try {
                Syscalls.lsetxattr(target, name, header.getValue().getBytes(StandardCharsets.ISO_8859_1));
            } catch (LinuxException e) {
                // xattrs the filesystem cannot hold (user.* on symlinks, ...) are dropped like docker does
                if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EPERM) throw e;
            }
        }
    }

    private void setTimes(Path target, TarArchiveEntry entry) throws LinuxException {
        Instant mtime = entry.getLastModifiedTime().toInstant();
        Syscalls.lutimes(target, mtime.getEpochSecond(), mtime.getNano());
    }

    private void finishDirectoryTimes() throws LinuxException {
        for (Map.Entry<Path, TarArchiveEntry> dir : directoryTimes.reversed()) setTimes(dir.getKey(), dir.getValue());
    }

    /** The entry's path components, with "." and empty ones dropped; ".." is refused outright. */
    private static List<String> components(String name) throws UnsafeLayerEntryException {
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) throw new UnsafeLayerEntryException(name, "contains ..");
            parts.add(part);
        }
        return parts;
    }

    /** Walks (creating as needed) the parent directories of an entry, refusing any that is a symlink or a file. */
    private Path ensureParent(String name, List<String> components) throws IOException {
        Path dir = root;
        for (String part : components.subList(0, components.size() - 1)) {
            dir = dir.resolve(part);
            if (verifiedDirs.contains(dir)) continue;
            BasicFileAttributes attributes = attributes(dir);
            if (attributes == null) {
                Files.createDirectory(dir);
            } else if (attributes.isSymbolicLink()) {
                throw new UnsafeLayerEntryException(name, "parent " + root.relativize(dir) + " is a symlink");
            } else if (!attributes.isDirectory()) {
                throw new UnsafeLayerEntryException(name, "parent " + root.relativize(dir) + " is not a directory");
            }
            verifiedDirs.add(dir);
        }
        return dir;
    }

    private static BasicFileAttributes attributes(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private void removeRecursively(Path path) throws IOException {
        verifiedDirs.removeIf(p -> p.startsWith(path));
        Trees.delete(path);
    }
}
