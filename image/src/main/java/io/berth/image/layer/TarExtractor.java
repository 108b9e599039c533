package io.berth.image.layer;

import io.berth.linux.Errno;
import io.berth.linux.LinuxException;
import io.berth.linux.Syscalls;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.berth.image.layer.DirectoryCalls.AT_FDCWD;
import static io.berth.image.layer.DirectoryCalls.AT_REMOVEDIR;
import static io.berth.image.layer.DirectoryCalls.O_CREAT;
import static io.berth.image.layer.DirectoryCalls.O_DIRECTORY;
import static io.berth.image.layer.DirectoryCalls.O_EXCL;
import static io.berth.image.layer.DirectoryCalls.O_NOFOLLOW;
import static io.berth.image.layer.DirectoryCalls.O_PATH;
import static io.berth.image.layer.DirectoryCalls.O_RDONLY;
import static io.berth.image.layer.DirectoryCalls.O_WRONLY;
import static io.berth.image.layer.DirectoryCalls.RESOLVE_BENEATH;
import static io.berth.image.layer.DirectoryCalls.RESOLVE_NO_MAGICLINKS;
import static io.berth.image.layer.DirectoryCalls.RESOLVE_NO_SYMLINKS;
import static io.berth.image.layer.DirectoryCalls.S_IFBLK;
import static io.berth.image.layer.DirectoryCalls.S_IFCHR;
import static io.berth.image.layer.DirectoryCalls.S_IFDIR;
import static io.berth.image.layer.DirectoryCalls.S_IFIFO;
import static io.berth.image.layer.DirectoryCalls.S_IFLNK;
import static io.berth.image.layer.DirectoryCalls.S_IFMT;

/**
 * Unpacks one layer tar into a directory the way overlayfs wants to see it: AUFS-style whiteouts
 * become 0/0 character devices, opaque markers become trusted.overlay.opaque=y; ownership, modes
 * (including setuid/sticky exactly as the tar states them), mtimes, xattrs (security.capability
 * after chown, which would clear it), hard links and device nodes are preserved.
 *
 * <p>Every operation is relative to an open directory fd and names a single component, and parent
 * directories are opened with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), so no symlink in the
 * destination is ever followed: entries with "..", entries under a symlink and hard links through
 * one are refused; absolute names and link targets are taken relative to the layer root; symlinks
 * are stored verbatim (they are only ever resolved inside the container's root). Each layer is
 * unpacked into its own empty directory, so symlinks of lower layers are not there to be followed.
 * Later duplicates replace earlier entries, as tar does. Sizes and entry counts are bounded by
 * {@link ExtractionLimits}; overlay's own trusted.overlay.* xattrs are never taken from a tar.
 */
public final class TarExtractor implements AutoCloseable {
    private static final String WHITEOUT_PREFIX = ".wh.";
    private static final String OPAQUE_MARKER = ".wh..wh..opq";
    private static final String XATTR_PAX_PREFIX = "SCHILY.xattr.";
    private static final String OVERLAY_XATTR_PREFIX = "trusted.overlay.";
    private static final byte[] OPAQUE_VALUE = "y".getBytes(StandardCharsets.US_ASCII);
    private static final long BENEATH = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

    private record DirectoryTime(String path, long seconds, long nanos) {}

    private final DirectoryCalls calls = new DirectoryCalls();
    private final ExtractionLimits limits;
    private final boolean asRoot = Syscalls.geteuid() == 0;
    /** The process umask: a mode it leaves intact at creation needs no chmod afterwards. */
    private static final int UMASK = readUmask();
    /** Directories (relative paths) with the setgid bit: files created in them inherit their group. */
    private final java.util.Set<String> setgidDirs = new java.util.HashSet<>();
    private final int rootFd;
    private final FileWriters.DirHandle rootHandle;
    /** The last parent directory opened: tar entries come grouped by directory, so one cached fd saves most opens. */
    private String cachedParent;
    private FileWriters.DirHandle cachedHandle;
    /** Small files are created by these workers while the tar is read on (null: all in line). */
    private final FileWriters writers;
    /** Every path this layer created so far: a fresh name cannot collide with a file a worker is still creating. */
    private final java.util.Set<String> seen = new java.util.HashSet<>();
    /** Directory mtimes are set last: creating entries inside them would change them again. */
    private final List<DirectoryTime> directoryTimes = new ArrayList<>();
    private final byte[] copyBuffer = new byte[1 << 20];
    private long unpackedBytes;
    private long entries;

    private TarExtractor(Path root, ExtractionLimits limits) throws LinuxException {
        this.limits = limits;
        this.rootFd = calls.openat(AT_FDCWD, root.toString(), O_RDONLY | O_DIRECTORY, 0);
        this.rootHandle = new FileWriters.DirHandle(rootFd);
        int threads = FileWriters.defaultThreads();
        this.writers = threads == 0 ? null : new FileWriters(threads);
    }

    private void awaitWriters() throws IOException {
        if (writers != null) writers.barrier();
    }

    /** Extracts {@code tar} into the existing directory {@code root} with default limits; returns the bytes of file content. */
    public static long extract(InputStream tar, Path root) throws IOException {
        return extract(tar, root, ExtractionLimits.defaults());
    }

    public static long extract(InputStream tar, Path root, ExtractionLimits limits) throws IOException {
        try (TarExtractor extractor = new TarExtractor(root, limits)) {
            TarArchiveInputStream archive = new TarArchiveInputStream(tar);
            TarArchiveEntry entry;
            while ((entry = archive.getNextEntry()) != null) {
                extractor.apply(entry, archive);
            }
            extractor.finishDirectoryTimes();
            return extractor.unpackedBytes;
        }
    }

    private void apply(TarArchiveEntry entry, InputStream content) throws IOException {
        if (++entries > limits.maxEntries()) {
            throw new UnsafeLayerEntryException(entry.getName(), "layer has more than " + limits.maxEntries() + " entries");
        }
        List<String> components = components(entry.getName());
        if (components.isEmpty()) return; // the layer root itself: keep the store's own directory metadata
        String base = components.getLast();
        String parent = String.join("/", components.subList(0, components.size() - 1));
        int parentFd = parentFd(parent, entry.getName());
        boolean fresh = seen.add(join(parent, base.startsWith(WHITEOUT_PREFIX) ? base.substring(WHITEOUT_PREFIX.length()) : base));
        if (!fresh) awaitWriters();
        if (base.startsWith(WHITEOUT_PREFIX)) {
            applyWhiteout(parentFd, parent, base, entry.getName());
            return;
        }
        if (entry.isDirectory()) {
            int createMode = entry.getMode() & 0777;
            boolean created = true;
            try {
                calls.mkdirat(parentFd, base, createMode);
            } catch (LinuxException e) {
                if (e.errno() != Errno.EEXIST) throw e;
                // an existing directory is kept (tar merges), anything else is replaced
                if ((calls.lstatMode(parentFd, base) & S_IFMT) != S_IFDIR) {
                    remove(parentFd, parent, base);
                    calls.mkdirat(parentFd, base, createMode);
                } else {
                    created = false;
                }
            }
            String path = join(parent, base);
            if ((entry.getMode() & 02000) != 0) setgidDirs.add(path);
            else setgidDirs.remove(path);
            if (!created || needsChown(entry, parent) || needsChmod(entry) || !xattrs(entry).isEmpty()) {
                int fd = calls.openat(parentFd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
                try {
                    applyMetadata(fd, entry, parent, !created);
                } finally {
                    calls.close(fd);
                }
            }
            Instant mtime = entry.getLastModifiedTime().toInstant();
            directoryTimes.add(new DirectoryTime(join(parent, base), mtime.getEpochSecond(), mtime.getNano()));
            return;
        }
        if (entry.isSymbolicLink()) {
            replacing(parentFd, parent, base, () -> calls.symlinkat(entry.getLinkName(), parentFd, base));
            if (needsChown(entry, parent)) calls.lchownat(parentFd, base, (int) entry.getLongUserId(), (int) entry.getLongGroupId());
            setXattrsByPath(parentFd, base, entry);
            setTimes(parentFd, base, entry);
        } else if (entry.isLink()) {
            createHardLink(entry, parentFd, parent, base); // shares its target's inode and metadata
        } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
            boolean device = !entry.isFIFO();
            if (device && !limits.allowDevices()) throw new UnsafeLayerEntryException(entry.getName(), "device nodes are not allowed");
            int type = entry.isCharacterDevice() ? S_IFCHR : entry.isBlockDevice() ? S_IFBLK : S_IFIFO;
            replacing(parentFd, parent, base, () -> calls.mknodat(parentFd, base, type | (entry.getMode() & 0777),
                    entry.getDevMajor(), entry.getDevMinor()));
            boolean chown = needsChown(entry, parent);
            if (chown) calls.lchownat(parentFd, base, (int) entry.getLongUserId(), (int) entry.getLongGroupId());
            // just created by us in a directory we hold open: not a symlink, and opening a device would be unsafe
            if (chown || needsChmod(entry)) calls.fchmodat(parentFd, base, entry.getMode() & 07777);
            setXattrsByPath(parentFd, base, entry);
            setTimes(parentFd, base, entry);
        } else if (entry.isFile()) {
            writeFile(entry, content, parentFd, parent, base, fresh);
        }
        // sockets, GNU volume headers and the like carry nothing a container can use
    }

    @FunctionalInterface
    private interface Creation {
        void run() throws IOException;
    }

    /**
     * Creates a name, replacing whatever a previous entry (or layer content) left there: the create is
     * tried first, as a fresh layer directory almost never has the name already, which saves a stat per entry.
     */
    private void replacing(int parentFd, String parent, String base, Creation create) throws IOException {
        try {
            create.run();
        } catch (LinuxException e) {
            if (e.errno() != Errno.EEXIST) throw e;
            remove(parentFd, parent, base);
            create.run();
        }
    }

    private void writeFile(TarArchiveEntry entry, InputStream content, int parentFd, String parent, String base, boolean fresh)
            throws IOException {
        long declared = entry.isSparse() ? entry.getRealSize() : entry.getSize();
        if (declared > limits.maxUnpackedBytes() - unpackedBytes) throw tooBig(entry);
        if (writers != null && fresh && declared <= FileWriters.MAX_FILE) {
            byte[] bytes = content.readNBytes((int) declared);
            unpackedBytes += bytes.length;
            boolean chown = needsChown(entry, parent);
            Instant mtime = entry.getLastModifiedTime().toInstant();
            FileWriters.DirHandle dir = parent.isEmpty() ? rootHandle : cachedHandle;
            writers.submit(new FileWriters.FileTask(dir.retain(), base, entry.getName(), bytes, entry.getMode(),
                    (int) entry.getLongUserId(), (int) entry.getLongGroupId(), chown, chown || needsChmod(entry), xattrs(entry),
                    mtime.getEpochSecond(), mtime.getNano()));
            return;
        }
        int[] opened = new int[1];
        replacing(parentFd, parent, base, () -> opened[0] = calls.openat(parentFd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
                entry.getMode() & 0777));
        int fd = opened[0];
        try {
            int n;
            while ((n = content.read(copyBuffer)) > 0) {
                unpackedBytes += n;
                if (unpackedBytes > limits.maxUnpackedBytes()) throw tooBig(entry);
                calls.write(fd, copyBuffer, 0, n);
            }
            applyMetadata(fd, entry, parent, false);
            Instant mtime = entry.getLastModifiedTime().toInstant();
            calls.futimens(fd, mtime.getEpochSecond(), mtime.getNano());
        } finally {
            calls.close(fd);
        }
    }

    private UnsafeLayerEntryException tooBig(TarArchiveEntry entry) {
        return new UnsafeLayerEntryException(entry.getName(), "layer unpacks to more than " + limits.maxUnpackedBytes() + " bytes");
    }

    private void createHardLink(TarArchiveEntry entry, int parentFd, String parent, String base) throws IOException {
        awaitWriters(); // the target may be a file a worker is creating
        List<String> target = components(entry.getLinkName());
        if (target.isEmpty()) throw new UnsafeLayerEntryException(entry.getName(), "hard link to the layer root");
        String targetParent = String.join("/", target.subList(0, target.size() - 1));
        int targetFd;
        try {
            targetFd = targetParent.isEmpty() ? rootFd : openBeneath(targetParent, O_PATH | O_DIRECTORY, entry.getName());
        } catch (MissingParentException e) {
            throw new UnsafeLayerEntryException(entry.getName(), "hard link target " + entry.getLinkName() + " missing");
        }
        try {
            int mode = calls.lstatMode(targetFd, target.getLast());
            if (mode == -1) throw new UnsafeLayerEntryException(entry.getName(), "hard link target " + entry.getLinkName() + " missing");
            if ((mode & S_IFMT) == S_IFDIR) throw new UnsafeLayerEntryException(entry.getName(), "hard link to a directory");
            int from = targetFd;
            replacing(parentFd, parent, base, () -> calls.linkat(from, target.getLast(), parentFd, base));
        } finally {
            if (targetFd != rootFd) calls.close(targetFd);
        }
    }

    private void applyWhiteout(int parentFd, String parent, String base, String name) throws IOException {
        if (base.equals(OPAQUE_MARKER)) {
            if (parent.isEmpty()) return; // the root of a layer is never opaque to overlay
            calls.fsetxattr(parentFd, "trusted.overlay.opaque", OPAQUE_VALUE);
        } else if (!base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
            // other .wh..wh.* names are aufs bookkeeping with no meaning for overlay
            String hidden = base.substring(WHITEOUT_PREFIX.length());
            if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
                throw new UnsafeLayerEntryException(name, "whiteout of no name");
            }
            replacing(parentFd, parent, hidden, () -> calls.mknodat(parentFd, hidden, S_IFCHR, 0, 0));
        }
    }

    /**
     * Owner first (chown clears setuid/setgid and security.capability), then the exact mode, then
     * xattrs. A file just created by root in a plain directory is already root-owned, and its mode
     * already right unless the umask or special bits changed it: those calls are skipped.
     */
    private void applyMetadata(int fd, TarArchiveEntry entry, String parent, boolean existed) throws IOException {
        boolean chown = existed ? asRoot : needsChown(entry, parent);
        if (chown) calls.fchown(fd, (int) entry.getLongUserId(), (int) entry.getLongGroupId());
        if (existed || chown || needsChmod(entry)) calls.fchmod(fd, entry.getMode() & 07777);
        for (Map.Entry<String, byte[]> xattr : xattrs(entry)) {
            try {
                calls.fsetxattr(fd, xattr.getKey(), xattr.getValue());
            } catch (LinuxException e) {
                ignoreUnsupported(e);
            }
        }
    }

    /** Symlinks and device nodes cannot be opened safely: their xattrs go by the parent fd's /proc path, without following. */
    private void setXattrsByPath(int parentFd, String base, TarArchiveEntry entry) throws LinuxException {
        for (Map.Entry<String, byte[]> xattr : xattrs(entry)) {
            try {
                Syscalls.lsetxattr(Path.of("/proc/self/fd/" + parentFd, base), xattr.getKey(), xattr.getValue());
            } catch (LinuxException e) {
                ignoreUnsupported(e);
            }
        }
    }

    private boolean needsChown(TarArchiveEntry entry, String parent) {
        return asRoot && (entry.getLongUserId() != 0 || entry.getLongGroupId() != 0 || setgidDirs.contains(parent));
    }

    /** Whether creating with the entry's permission bits left a different mode (umask, or setuid/setgid/sticky). */
    private static boolean needsChmod(TarArchiveEntry entry) {
        int mode = entry.getMode() & 07777;
        return mode != (mode & 0777 & ~UMASK);
    }

    private static int readUmask() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Umask:")) return Integer.parseInt(line.substring(6).trim(), 8);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: assume every bit may be masked, so chmod always runs
        }
        return 0777;
    }

    private static void ignoreUnsupported(LinuxException e) throws LinuxException {
        // xattrs the filesystem cannot hold (user.* on symlinks, ...) are dropped like docker does
        if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EPERM) throw e;
    }

    private static List<Map.Entry<String, byte[]>> xattrs(TarArchiveEntry entry) {
        List<Map.Entry<String, byte[]>> found = new ArrayList<>();
        for (Map.Entry<String, String> header : entry.getExtraPaxHeaders().entrySet()) {
            if (!header.getKey().startsWith(XATTR_PAX_PREFIX)) continue;
            String name = header.getKey().substring(XATTR_PAX_PREFIX.length());
            // overlay's own attributes (redirect, metacopy, opaque) would let a layer steer the mount
            if (name.startsWith(OVERLAY_XATTR_PREFIX)) continue;
            found.add(Map.entry(name, header.getValue().getBytes(StandardCharsets.ISO_8859_1)));
        }
        return found;
    }

    private void setTimes(int parentFd, String base, TarArchiveEntry entry) throws LinuxException {
        Instant mtime = entry.getLastModifiedTime().toInstant();
        calls.lutimensat(parentFd, base, mtime.getEpochSecond(), mtime.getNano());
    }

    private void finishDirectoryTimes() throws IOException {
        awaitWriters();
        for (DirectoryTime dir : directoryTimes.reversed()) {
            int fd;
            try {
                fd = calls.openat2(rootFd, dir.path(), O_RDONLY | O_DIRECTORY, 0, BENEATH);
            } catch (LinuxException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR || e.errno() == Errno.ELOOP) continue; // replaced later
                throw e;
            }
            try {
                calls.futimens(fd, dir.seconds(), dir.nanos());
            } finally {
                calls.close(fd);
            }
        }
    }

    /** The entry's path components, with "." and empty ones dropped (so absolute names stay inside); ".." is refused. */
    private static List<String> components(String name) throws UnsafeLayerEntryException {
        if (name.indexOf('\0') >= 0) throw new UnsafeLayerEntryException(name.replace('\0', '?'), "contains a NUL byte");
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) throw new UnsafeLayerEntryException(name, "contains ..");
            parts.add(part);
        }
        return parts;
    }

    private static String join(String parent, String base) {
        return parent.isEmpty() ? base : parent + "/" + base;
    }

    /** An fd on the parent directory of an entry, created as needed; a symlink or file on the way is refused. */
    private int parentFd(String parent, String name) throws IOException {
        if (parent.isEmpty()) return rootFd;
        if (parent.equals(cachedParent)) return cachedHandle.fd;
        int fd;
        try {
            fd = openBeneath(parent, O_RDONLY | O_DIRECTORY, name);
        } catch (MissingParentException e) {
            fd = createParents(parent, name);
        }
        forgetCachedParent();
        cachedParent = parent;
        cachedHandle = new FileWriters.DirHandle(fd);
        return fd;
    }

    private static final class MissingParentException extends IOException {
        MissingParentException() {
            super(null, null);
        }
    }

    /** openat2 beneath the root without following any symlink; the kernel's refusals become clear entry errors. */
    private int openBeneath(String path, int flags, String name) throws IOException {
        try {
            return calls.openat2(rootFd, path, flags, 0, BENEATH);
        } catch (LinuxException e) {
            switch (e.errno()) {
                case Errno.ENOENT -> throw new MissingParentException();
                case Errno.ELOOP -> throw new UnsafeLayerEntryException(name, "path " + path + " goes through a symlink");
                case Errno.EXDEV -> throw new UnsafeLayerEntryException(name, "path " + path + " escapes the layer");
                case Errno.ENOTDIR -> throw new UnsafeLayerEntryException(name, "parent in " + path + " is not a directory");
                default -> throw e;
            }
        }
    }

    /** Walks the parent components one at a time from the root, creating missing directories (0755, like tar). */
    private int createParents(String parent, String name) throws IOException {
        int fd = rootFd;
        String walked = "";
        try {
            for (String part : parent.split("/")) {
                walked = join(walked, part);
                seen.add(walked);
                int mode = calls.lstatMode(fd, part);
                if (mode == -1) {
                    calls.mkdirat(fd, part, 0755);
                } else if ((mode & S_IFMT) == S_IFLNK) {
                    throw new UnsafeLayerEntryException(name, "parent " + walked + " is a symlink");
                } else if ((mode & S_IFMT) != S_IFDIR) {
                    throw new UnsafeLayerEntryException(name, "parent " + walked + " is not a directory");
                }
                int next = calls.openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
                if (fd != rootFd) calls.close(fd);
                fd = next;
            }
            return fd;
        } catch (IOException | RuntimeException e) {
            if (fd != rootFd) calls.close(fd);
            throw e;
        }
    }

    /** Removes whatever is at parent/base (a tree included), forgetting a cached fd inside it. */
    private void remove(int parentFd, String parent, String base) throws IOException {
        awaitWriters(); // nothing may still be creating a file in what goes
        String path = join(parent, base);
        if (cachedParent != null && (cachedParent.equals(path) || cachedParent.startsWith(path + "/"))) forgetCachedParent();
        try {
            calls.unlinkat(parentFd, base, 0);
        } catch (LinuxException e) {
            if (e.errno() != Errno.EISDIR) throw e;
            try {
                calls.unlinkat(parentFd, base, AT_REMOVEDIR);
            } catch (LinuxException notEmpty) {
                if (notEmpty.errno() != Errno.ENOTEMPTY && notEmpty.errno() != Errno.EEXIST) throw notEmpty;
                // the /proc path pins the parent we hold open; the walk itself never follows symlinks
                Trees.delete(Path.of("/proc/self/fd/" + parentFd, base));
            }
        }
    }

    private void forgetCachedParent() {
        if (cachedHandle != null) cachedHandle.release(calls);
        cachedParent = null;
        cachedHandle = null;
    }

    @Override
    public void close() {
        if (writers != null) writers.close();
        forgetCachedParent();
        rootHandle.release(calls);
        calls.close();
    }
}
