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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * (overlay's own excepted) and hard links kept; and docker diff's list of changes. Entries are
 * visited in name order so the same directory always gives the same tar. Symlinks are never followed.
 */
public final class UpperDir {
    private static final String OPAQUE_XATTR = "trusted.overlay.opaque";

    /** One change of docker diff: C(hanged), A(dded) or D(eleted), with its absolute path in the container. */
    public record Change(Kind kind, String path) {
        public enum Kind { C, A, D }
    }

    private UpperDir() {}

    /** Writes {@code upper} as a layer tar to {@code out} (which is finished, not closed). */
    public static void writeTar(Path upper, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        new Writer(tar).walk(upper, "");
        tar.finish();
    }

    /** The changes an upper dir makes to {@code lowers} (top layer first or bottom first: only existence counts). */
    public static List<Change> changes(Path upper, List<Path> lowers) throws IOException {
        List<Change> changes = new ArrayList<>();
        collectChanges(upper, "", lowers, false, changes);
        return changes;
    }

    private static void collectChanges(Path dir, String prefix, List<Path> lowers, boolean hidden, List<Change> changes) throws IOException {
        for (Path child : sortedChildren(dir)) {
            String name = child.getFileName().toString();
            String rel = prefix + name;
            Map<String, Object> attributes = Files.readAttributes(child, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
            int type = (int) attributes.get("mode") & S_IFMT;
            if (type == S_IFCHR && (long) attributes.get("rdev") == 0) {
                changes.add(new Change(Change.Kind.D, "/" + rel));
                continue;
            }
            boolean inLower = !hidden && lowers.stream().anyMatch(lower -> Files.exists(lower.resolve(rel), LinkOption.NOFOLLOW_LINKS));
            changes.add(new Change(inLower ? Change.Kind.C : Change.Kind.A, "/" + rel));
            if (type == S_IFDIR) {
                boolean opaque = "y".equals(Xattrs.get(child, OPAQUE_XATTR));
                collectChanges(child, rel + "/", lowers, hidden || opaque, changes);
            }
        }
    }

    private static List<Path> sortedChildren(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            return children.sorted().toList();
        }
    }

    private static final class Writer {
        private final TarArchiveOutputStream tar;
        /** First path seen of each multiply-linked inode: later ones become hard link entries. */
        private final Map<Long, String> linkedInodes = new HashMap<>();

        Writer(TarArchiveOutputStream tar) {
            this.tar = tar;
        }

        void walk(Path dir, String prefix) throws IOException {
            for (Path child : sortedChildren(dir)) {
                String name = child.getFileName().toString();
                String rel = prefix + name;
                Map<String, Object> a = Files.readAttributes(child, "unix:mode,uid,gid,ino,nlink,rdev,size,lastModifiedTime",
                        LinkOption.NOFOLLOW_LINKS);
                int mode = (int) a.get("mode");
                int type = mode & S_IFMT;
                long rdev = (long) a.get("rdev");
                if (type == S_IFCHR && rdev == 0) {
                    TarArchiveEntry whiteout = new TarArchiveEntry(prefix + ".wh." + name, TarConstants.LF_NORMAL);
                    whiteout.setModTime((FileTime) a.get("lastModifiedTime"));
                    put(whiteout, null);
                    continue;
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
                        continue; // sockets do not belong in an image
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
                if (type == S_IFDIR) {
                    if (opaque) {
                        TarArchiveEntry marker = new TarArchiveEntry(rel + "/.wh..wh..opq", TarConstants.LF_NORMAL);
                        marker.setModTime((FileTime) a.get("lastModifiedTime"));
                        put(marker, null);
                    }
                    walk(child, rel + "/");
                }
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
