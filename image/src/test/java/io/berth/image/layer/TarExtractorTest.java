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

    private int mode(String path) throws IOException {
        return (int) Files.getAttribute(dir.resolve(path), "unix:mode") & 07777;
    }
}
