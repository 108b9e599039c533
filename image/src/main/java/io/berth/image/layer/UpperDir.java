package io.berth.image.layer;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static io.berth.image.layer.DirectoryCalls.S_IFBLK;
import static io.berth.image.layer.DirectoryCalls.S_IFCHR;
import static io.berth.image.layer.DirectoryCalls.S_IFDIR;
import static io.berth.image.layer.DirectoryCalls.S_IFIFO;
import static io.berth.image.layer.DirectoryCalls.S_IFLNK;
import static io.berth.image.layer.DirectoryCalls.S_IFMT;
import static io.berth.image.layer.DirectoryCalls.S_IFREG;

/**
 * Reads an overlayfs upper directory (a container's changes) back into image terms: a layer tar in
 * which overlay's whiteouts (0/0 character devices) become ".wh.NAME" entries and opaque directories
 * (trusted.overlay.opaque=y) get a ".wh..wh..opq" entry, with ownership, modes, mtimes, xattrs
 * (overlay's own excepted) and hard links kept; and docker diff's list of changes. The same tar
 * writer serves any plain tree (a merged overlay view for docker export has no whiteouts to convert).
 * Entries are visited in name order so the same directory always gives the same tar. Symlinks are
 * never followed. Paths the caller excludes (a container's runtime mount points) are left out, and so
 * are directories that held nothing else: the runtime created or copied them up only to mount there.
 */
public final class UpperDir {
    private static final String OPAQUE_XATTR = "trusted.overlay.opaque";
    private static final String ATTRIBUTES = "unix:mode,uid,gid,ino,nlink,rdev,size,lastModifiedTime";

    /** One change of docker diff: C(hanged), A(dded) or D(eleted), with its absolute path in the container. */
    public record Change(Kind kind, String path) {
        public enum Kind { C, A, D }
    }

    private UpperDir() {}

    /** Writes {@code upper} as a layer tar to {@code out} (which is finished, not closed). */
    public static void writeTar(Path upper, OutputStream out) throws IOException {
        writeTar(upper, out, path -> false);
    }

    /**
     * Writes {@code root} as a layer tar to {@code out} (finished, not closed), without the entries whose
     * absolute path ("/etc/hostname") {@code excluded} accepts, nor directories that held only such entries.
     */
    public static void writeTar(Path root, OutputStream out, Predicate<String> excluded) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        new Walk(excluded, new Writer(tar)).directory(root, "");
        tar.finish();
    }

    /**
     * The changes an upper dir makes to {@code lowers} (top layer first or bottom first: only existence
     * counts), leaving out excluded paths and directories that held only those.
     */
    public static List<Change> changes(Path upper, List<Path> lowers, Predicate<String> excluded) throws IOException {
        ChangeCollector collector = new ChangeCollector(lowers);
        new Walk(excluded, collector).directory(upper, "");
        return collector.changes;
    }

    private static List<Path> sortedChildren(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            return children.sorted().toList();
        }
    }

    private static boolean isWhiteout(Map<String, Object> attributes) {
        return ((int) attributes.get("mode") & S_IFMT) == S_IFCHR && (long) attributes.get("rdev") == 0;
    }

    private static boolean isDirectory(Map<String, Object> attributes) {
        return ((int) attributes.get("mode") & S_IFMT) == S_IFDIR;
    }

    /** One entry of the tree: its file, its path relative to the root ("etc/hosts") and its unix attributes. */
    private record Entry(Path file, String relative, Map<String, Object> attributes) {}

    /** Receives the kept entries, parents before children. */
    private interface Visitor {
        void entry(Entry entry) throws IOException;
    }

    /**
     * Depth-first walk in name order. A directory is handed on only once something below it is kept,
     * or after its walk when nothing below it was excluded (an empty directory the user made), or when it
     * is opaque (the user replaced it), so a directory that only held excluded entries never appears.
     */
    private static final class Walk {
        private final Predicate<String> excluded;
        private final Visitor visitor;
        /** Directories entered but not handed on yet, outermost first. */
        private final Deque<Entry> pending = new ArrayDeque<>();

        Walk(Predicate<String> excluded, Visitor visitor) {
            this.excluded = excluded;
            this.visitor = visitor;
        }

        /** Walks the children of {@code dir}; true if an excluded path was met below it. */
        boolean directory(Path dir, String prefix) throws IOException {
            boolean metExcluded = false;
            for (Path child : sortedChildren(dir)) {
                String relative = prefix + child.getFileName();
                if (excluded.test("/" + relative)) {
                    metExcluded = true;
                    continue;
                }
                Entry entry = new Entry(child, relative, Files.readAttributes(child, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS));
                if (!isDirectory(entry.attributes())) {
                    handOn(entry);
                    continue;
                }
                pending.addLast(entry);
                boolean excludedBelow = directory(child, relative + "/");
                metExcluded |= excludedBelow;
                if (pending.peekLast() == entry) {
                    pending.removeLast();
                    if (!excludedBelow || "y".equals(Xattrs.get(child, OPAQUE_XATTR))) handOn(entry);
                }
            }
            return metExcluded;
        }

        private void handOn(Entry entry) throws IOException {
            while (!pending.isEmpty()) visitor.entry(pending.removeFirst());
            visitor.entry(entry);
        }
    }

    private static final class ChangeCollector implements Visitor {
        private final List<Path> lowers;
        private final List<Change> changes = new ArrayList<>();
        /** Opaque directories seen ("etc/"): nothing below them comes from a lower layer. */
        private final List<String> opaquePrefixes = new ArrayList<>();

        ChangeCollector(List<Path> lowers) {
            this.lowers = lowers;
        }

        @Override
        public void entry(Entry entry) throws IOException {
            String rel = entry.relative();
            if (isWhiteout(entry.attributes())) {
                changes.add(new Change(Change.Kind.D, "/" + rel));
                return;
            }
            boolean hidden = opaquePrefixes.stream().anyMatch(rel::startsWith);
            boolean inLower = !hidden && lowers.stream().anyMatch(lower -> Files.exists(lower.resolve(rel), LinkOption.NOFOLLOW_LINKS));
            changes.add(new Change(inLower ? Change.Kind.C : Change.Kind.A, "/" + rel));
            if (isDirectory(entry.attributes()) && "y".equals(Xattrs.get(entry.file(), OPAQUE_XATTR))) opaquePrefixes.add(rel + "/");
        }
    }

    private static final class Writer implements Visitor {
        private final TarArchiveOutputStream tar;
        /** First path seen of each multiply-linked inode: later ones become hard link entries. */
        private final Map<Long, String> linkedInodes = new HashMap<>();

        Writer(TarArchiveOutputStream tar) {
            this.tar = tar;
        }

        @Override
        public void entry(Entry e) throws IOException {
            Path child = e.file();
            String rel = e.relative();
            Map<String, Object> a = e.attributes();
            int mode = (int) a.get("mode");
            int type = mode & S_IFMT;
            long rdev = (long) a.get("rdev");
            if (isWhiteout(a)) {
                int slash = rel.lastIndexOf('/');
                TarArchiveEntry whiteout = new TarArchiveEntry(rel.substring(0, slash + 1) + ".wh." + rel.substring(slash + 1),
                        TarConstants.LF_NORMAL);
                whiteout.setModTime((FileTime) a.get("lastModifiedTime"));
                put(whiteout, null);
                return;
            }
            TarArchiveEntry entry;
            Path content = null;
            switch (type) {
                case S_IFDIR -> entry = new TarArchiveEntry(rel + "/", TarConstants.LF_DIR);
                case S_IFLNK -> {
                    entry = new TarArchiveEntry(rel, TarConstants.LF_SYMLINK);
                    entry.setLinkName(Files.readSymbolicLink(child).toString());
                }
                case S_IFREG -> {
                    long inode = (long) a.get("ino");
                    String first = (int) a.get("nlink") > 1 ? linkedInodes.putIfAbsent(inode, rel) : null;
                    if (first != null) {
                        entry = new TarArchiveEntry(rel, TarConstants.LF_LINK);
                        entry.setLinkName(first);
                    } else {
                        entry = new TarArchiveEntry(rel, TarConstants.LF_NORMAL);
                        entry.setSize((long) a.get("size"));
                        content = child;
                    }
                }
                case S_IFCHR, S_IFBLK, S_IFIFO -> {
                    entry = new TarArchiveEntry(rel, type == S_IFCHR ? TarConstants.LF_CHR : type == S_IFBLK ? TarConstants.LF_BLK : TarConstants.LF_FIFO);
                    entry.setDevMajor((int) (((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL)));
                    entry.setDevMinor((int) ((rdev & 0xff) | ((rdev >> 12) & ~0xffL)));
                }
                default -> {
                    return; // sockets do not belong in an image
                }
            }
            entry.setMode(mode & 07777);
            entry.setIds((int) a.get("uid"), (int) a.get("gid"));
            entry.setModTime((FileTime) a.get("lastModifiedTime"));
            boolean opaque = false;
            for (Map.Entry<String, byte[]> xattr : Xattrs.list(child).entrySet()) {
                if (xattr.getKey().equals(OPAQUE_XATTR)) opaque = "y".equals(new String(xattr.getValue(), StandardCharsets.ISO_8859_1));
                if (xattr.getKey().startsWith("trusted.overlay.")) continue;
                entry.addPaxHeader("SCHILY.xattr." + xattr.getKey(), new String(xattr.getValue(), StandardCharsets.ISO_8859_1));
            }
            put(entry, content);
            if (opaque) {
                TarArchiveEntry marker = new TarArchiveEntry(rel + "/.wh..wh..opq", TarConstants.LF_NORMAL);
                marker.setModTime((FileTime) a.get("lastModifiedTime"));
                put(marker, null);
            }
        }

        private void put(TarArchiveEntry entry, Path content) throws IOException {
            tar.putArchiveEntry(entry);
            if (content != null) {
                try (InputStream in = Files.newInputStream(content, LinkOption.NOFOLLOW_LINKS)) {
                    long copied = in.transferTo(tar);
                    if (copied != entry.getSize()) throw new IOException(content + " changed size while being committed");
                }
            }
            tar.closeArchiveEntry();
        }
    }
}
