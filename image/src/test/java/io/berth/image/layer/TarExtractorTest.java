package io.berth.image.layer;

import io.berth.linux.Syscalls;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unpacking into a real directory as root: metadata kept, whiteouts converted, escapes refused. */
class TarExtractorTest {
    private static final long MTIME = 1_600_000_000_000L;

    @TempDir
    Path dir;

    /** A tiny tar writer: each entry is name, type, mode, uid/gid, link target or content. */
    private static final class Tar {
        private final List<TarArchiveEntry> entries = new ArrayList<>();
        private final List<byte[]> contents = new ArrayList<>();

        Tar add(String name, byte type, int mode, int uid, String linkOrContent) {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setMode(mode);
            e.setIds(uid, uid);
            e.setModTime(new Date(MTIME));
            byte[] content = null;
            if (type == TarConstants.LF_SYMLINK || type == TarConstants.LF_LINK) e.setLinkName(linkOrContent);
            else if (type == TarConstants.LF_NORMAL) content = linkOrContent.getBytes(StandardCharsets.UTF_8);
            if (content != null) e.setSize(content.length);
            entries.add(e);
            contents.add(content);
            return this;
        }

        Tar xattr(String name, String value) {
            entries.getLast().addPaxHeader("SCHILY.xattr." + name, value);
            return this;
        }

        Tar file(String name, String content) {
            return add(name, TarConstants.LF_NORMAL, 0644, 0, content);
        }

        byte[] bytes() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                for (int i = 0; i < entries.size(); i++) {
                    tar.putArchiveEntry(entries.get(i));
                    if (contents.get(i) != null) tar.write(contents.get(i));
                    tar.closeArchiveEntry();
                }
            }
            return out.toByteArray();
        }
    }

    private long extract(Tar tar) throws IOException {
        return TarExtractor.extract(new ByteArrayInputStream(tar.bytes()), dir);
    }

    /** Extracts into dir/layer with dir/outside beside it; asserts nothing under outside changed. */
    private void assertContained(Tar tar, boolean refused) throws IOException {
        Path layer = Files.createDirectory(dir.resolve("layer"));
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Files.writeString(outside.resolve("victim"), "original");
        try {
            if (refused) {
                assertThrows(UnsafeLayerEntryException.class, () -> TarExtractor.extract(new ByteArrayInputStream(tar.bytes()), layer));
            } else {
                TarExtractor.extract(new ByteArrayInputStream(tar.bytes()), layer);
            }
            try (var listing = Files.list(outside)) {
                assertEquals(List.of(outside.resolve("victim")), listing.toList());
            }
            assertEquals("original", Files.readString(outside.resolve("victim")));
            try (var listing = Files.list(dir)) {
                assertEquals(2, listing.count(), "only layer/ and outside/ exist next to each other");
            }
        } finally {
            Trees.delete(layer);
            Trees.delete(outside);
        }
    }

    @Test
    void keepsOwnershipModesTimesLinksAndDevices() throws IOException {
        long size = extract(new Tar()
                .add("usr/", TarConstants.LF_DIR, 0755, 0, null)
                .add("usr/bin/", TarConstants.LF_DIR, 0750, 5, null)
                .add("usr/bin/su", TarConstants.LF_NORMAL, 04755, 0, "binary")
                .add("usr/bin/sudo", TarConstants.LF_LINK, 0, 0, "usr/bin/su")
                .add("usr/bin/link", TarConstants.LF_SYMLINK, 0777, 1000, "su")
                .add("tmp/", TarConstants.LF_DIR, 01777, 0, null)
                .add("dev/null", TarConstants.LF_CHR, 0666, 0, null)
                .add("owned", TarConstants.LF_NORMAL, 0600, 1234, "x"));
        assertEquals(7, size);
        assertEquals(04755, mode("usr/bin/su"));
        assertEquals(01777, mode("tmp"));
        assertEquals(0750, mode("usr/bin"));
        assertEquals(5, Files.getAttribute(dir.resolve("usr/bin"), "unix:uid"));
        assertEquals(1234, Files.getAttribute(dir.resolve("owned"), "unix:uid"));
        assertEquals(1000, Files.getAttribute(dir.resolve("usr/bin/link"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(Path.of("su"), Files.readSymbolicLink(dir.resolve("usr/bin/link")));
        assertEquals(Files.getAttribute(dir.resolve("usr/bin/su"), "unix:ino"), Files.getAttribute(dir.resolve("usr/bin/sudo"), "unix:ino"));
        assertEquals(Syscalls.S_IFCHR, (int) Files.getAttribute(dir.resolve("dev/null"), "unix:mode") & 0170000);
        assertEquals(FileTime.fromMillis(MTIME), Files.getLastModifiedTime(dir.resolve("usr/bin"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(FileTime.fromMillis(MTIME), Files.getLastModifiedTime(dir.resolve("usr/bin/link"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void convertsWhiteoutsForOverlay() throws IOException {
        extract(new Tar().add("etc/", TarConstants.LF_DIR, 0755, 0, null)
                .file("etc/.wh.passwd", "")
                .file("etc/.wh..wh..opq", "")
                .file(".wh..wh.plnk", ""));
        Path whiteout = dir.resolve("etc/passwd");
        int mode = (int) Files.getAttribute(whiteout, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        assertEquals(Syscalls.S_IFCHR, mode & 0170000);
        assertEquals(0L, Files.getAttribute(whiteout, "unix:rdev"));
        assertFalse(Files.exists(dir.resolve("etc/.wh..wh..opq")));
        assertFalse(Files.exists(dir.resolve(".wh..wh.plnk")));
        Process getfattr = new ProcessBuilder("sh", "-c", "python3 -c \"import os;print(os.getxattr('" + dir.resolve("etc")
                + "','trusted.overlay.opaque').decode())\"").redirectErrorStream(true).start();
        assertEquals("y", new String(getfattr.getInputStream().readAllBytes()).trim());
    }

    @Test
    void refusesDotDot() {
        assertThrows(UnsafeLayerEntryException.class, () -> extract(new Tar().file("a/../../escape", "x")));
        assertFalse(Files.exists(dir.getParent().resolve("escape")));
    }

    @Test
    void refusesWritingThroughASymlinkedParent() throws IOException {
        Path outside = Files.createTempDirectory("outside-");
        try {
            Tar tar = new Tar().add("evil", TarConstants.LF_SYMLINK, 0777, 0, outside.toString()).file("evil/planted", "x");
            assertThrows(UnsafeLayerEntryException.class, () -> extract(tar));
            assertFalse(Files.exists(outside.resolve("planted")));
        } finally {
            Trees.delete(outside);
        }
    }

    @Test
    void refusesHardLinksThroughSymlinks() throws IOException {
        Tar tar = new Tar().add("etc", TarConstants.LF_SYMLINK, 0777, 0, "/etc").add("shadow", TarConstants.LF_LINK, 0, 0, "etc/shadow");
        assertThrows(UnsafeLayerEntryException.class, () -> extract(tar));
        assertFalse(Files.exists(dir.resolve("shadow"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void laterEntriesReplaceEarlierOnes() throws IOException {
        extract(new Tar().file("x", "file").add("x/", TarConstants.LF_DIR, 0755, 0, null).file("x/y", "in dir"));
        assertTrue(Files.isDirectory(dir.resolve("x")));
        assertEquals("in dir", Files.readString(dir.resolve("x/y")));
    }

    @Test
    void absoluteNamesStayInsideTheLayer() throws IOException {
        extract(new Tar().file("/abs/file", "x").file("//twice//file", "y"));
        assertEquals("x", Files.readString(dir.resolve("abs/file")));
        assertEquals("y", Files.readString(dir.resolve("twice/file")));
    }

    @Test
    void hostileLayersLeaveNothingOutside() throws IOException {
        String outside = dir.resolve("outside").toString();
        byte sym = TarConstants.LF_SYMLINK, link = TarConstants.LF_LINK, directory = TarConstants.LF_DIR;
        // a file through an absolute symlink, through a relative one, through a symlink two levels up
        assertContained(new Tar().add("abs", sym, 0777, 0, outside).file("abs/victim", "owned"), true);
        assertContained(new Tar().add("rel", sym, 0777, 0, "../outside").file("rel/victim", "owned"), true);
        assertContained(new Tar().add("d/", directory, 0755, 0, null).add("d/up", sym, 0777, 0, "../../outside")
                .file("d/up/victim", "owned"), true);
        // a symlink to the root of the host, then a path under it
        assertContained(new Tar().add("root", sym, 0777, 0, "/").file("root" + outside + "/victim", "owned"), true);
        // ".." in names and in hard link targets
        assertContained(new Tar().file("../outside/victim", "owned"), true);
        assertContained(new Tar().add("hl", link, 0, 0, "../outside/victim"), true);
        // an absolute hard link target means the layer's own path, which does not exist here
        assertContained(new Tar().add("hl", link, 0, 0, outside + "/victim"), true);
        // a hard link through a symlink
        assertContained(new Tar().add("s", sym, 0777, 0, outside).add("hl", link, 0, 0, "s/victim"), true);
        // whiteouts under a symlink
        assertContained(new Tar().add("s", sym, 0777, 0, outside).file("s/.wh.victim", ""), true);
        assertContained(new Tar().add("s", sym, 0777, 0, outside).file("s/.wh..wh..opq", ""), true);
        // a file, directory or device replacing a symlink must replace the link, not write through it
        assertContained(new Tar().add("f", sym, 0777, 0, outside + "/victim").file("f", "owned"), false);
        assertContained(new Tar().add("d", sym, 0777, 0, outside).add("d/", directory, 0755, 0, null), false);
        assertContained(new Tar().add("n", sym, 0777, 0, outside + "/victim").add("n", TarConstants.LF_FIFO, 0644, 0, null), false);
        // a hard link to a symlink is a second symlink, never the file it points to
        assertContained(new Tar().add("s", sym, 0777, 0, outside + "/victim").add("h", link, 0, 0, "s").file("h", "owned"), false);
    }

    @Test
    void symlinksAreStoredVerbatimAndNeverFollowed() throws IOException {
        extract(new Tar().add("etc-link", TarConstants.LF_SYMLINK, 0777, 0, "/etc").add("up", TarConstants.LF_SYMLINK, 0777, 0, "../../.."));
        assertEquals(Path.of("/etc"), Files.readSymbolicLink(dir.resolve("etc-link")));
        assertEquals(Path.of("../../.."), Files.readSymbolicLink(dir.resolve("up")));
    }

    @Test
    void devicesCanBeRefused() throws IOException {
        Tar tar = new Tar().add("dev/sda", TarConstants.LF_BLK, 0660, 0, null);
        assertThrows(UnsafeLayerEntryException.class, () -> TarExtractor.extract(new ByteArrayInputStream(tar.bytes()), dir,
                new ExtractionLimits(1 << 20, 100, false)));
        assertFalse(Files.exists(dir.resolve("dev/sda"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void sizeAndEntryLimitsAreEnforced() throws IOException {
        Tar big = new Tar().file("big", "x".repeat(5000));
        assertThrows(UnsafeLayerEntryException.class, () -> TarExtractor.extract(new ByteArrayInputStream(big.bytes()), dir,
                new ExtractionLimits(4096, 100, true)));
        Tar many = new Tar();
        for (int i = 0; i < 20; i++) many.file("f" + i, "");
        assertThrows(UnsafeLayerEntryException.class, () -> TarExtractor.extract(new ByteArrayInputStream(many.bytes()), dir,
                new ExtractionLimits(4096, 10, true)));
    }

    @Test
    void hugeSparseFilesAreRefusedBeforeWriting() throws Exception {
        Path source = Files.createDirectory(dir.resolve("source"));
        Path layer = Files.createDirectory(dir.resolve("layer"));
        new ProcessBuilder("truncate", "-s", "1500M", source.resolve("sparse").toString()).inheritIO().start().waitFor();
        Path tar = dir.resolve("sparse.tar");
        Process gnuTar = new ProcessBuilder("tar", "--sparse", "--format=posix", "-C", source.toString(), "-cf", tar.toString(), "sparse").inheritIO().start();
        assertEquals(0, gnuTar.waitFor());
        assertTrue(Files.size(tar) < 1 << 20, "the tar itself is tiny");
        try (var in = Files.newInputStream(tar)) {
            var e = assertThrows(UnsafeLayerEntryException.class, () -> TarExtractor.extract(in, layer, new ExtractionLimits(1 << 20, 100, true)));
            assertTrue(e.getMessage().contains("more than"), e.getMessage());
        }
        assertFalse(Files.exists(layer.resolve("sparse")), "nothing written");
    }

    @Test
    void decompressionBombsAreBounded() throws IOException {
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (var gzip = new java.util.zip.GZIPOutputStream(gzipped)) {
            gzip.write(new Tar().file("ok", "fine").bytes());
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) gzip.write(zeros); // 64 MiB of zeros after the end of the archive
        }
        assertTrue(gzipped.size() < 1 << 20);
        assertThrows(UnsafeLayerEntryException.class, () -> LayerUnpack.run(new ByteArrayInputStream(gzipped.toByteArray()),
                io.berth.oci.image.MediaTypes.LayerCompression.GZIP, null, null, -1, null, dir, count -> {},
                new ExtractionLimits(8 << 20, 100, true)));
    }

    @Test
    void capabilitiesSurviveChownAndOverlayXattrsAreDropped() throws Exception {
        // vfs_cap_data revision 2, effective, permitted = CAP_NET_BIND_SERVICE (bit 10)
        byte[] cap = {0, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        cap[0] = 1; // VFS_CAP_FLAGS_EFFECTIVE in the low byte of magic_etc (little endian)
        extract(new Tar().add("bin/ping", TarConstants.LF_NORMAL, 04755, 1000, "")
                .xattr("security.capability", new String(cap, StandardCharsets.ISO_8859_1))
                .xattr("trusted.overlay.redirect", "/etc")
                .add("d/", TarConstants.LF_DIR, 0755, 0, null).xattr("trusted.overlay.opaque", "y"));
        assertEquals(04755, mode("bin/ping"));
        assertEquals(1000, Files.getAttribute(dir.resolve("bin/ping"), "unix:uid"));
        assertEquals(new String(cap, StandardCharsets.ISO_8859_1), xattrOrNone("bin/ping", "security.capability"));
        assertEquals("", xattrOrNone("bin/ping", "trusted.overlay.redirect"));
        assertEquals("", xattrOrNone("d", "trusted.overlay.opaque"));
    }

    @Test
    void duplicateEntriesKeepTheLastOne() throws IOException {
        extract(new Tar().file("f", "first").file("f", "second").add("f2", TarConstants.LF_NORMAL, 0600, 0, "a")
                .add("f2", TarConstants.LF_NORMAL, 0640, 0, "b"));
        assertEquals("second", Files.readString(dir.resolve("f")));
        assertEquals(0640, mode("f2"));
    }

    /** The xattr's value as ISO-8859-1 text, or "" if absent (read with python, which the JDK cannot do). */
    private String xattrOrNone(String path, String name) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", "import os,sys\ntry: sys.stdout.buffer.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False))\nexcept OSError: pass",
                dir.resolve(path).toString(), name).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor();
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    private int mode(String path) throws IOException {
        return (int) Files.getAttribute(dir.resolve(path), "unix:mode") & 07777;
    }
}
