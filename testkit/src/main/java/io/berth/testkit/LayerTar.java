package io.berth.testkit;

import io.berth.oci.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Date;
import java.util.zip.GZIPOutputStream;

/**
 * Builds a layer tar in memory, deterministically (fixed mtime, root ownership), so equal content
 * gives equal digests. Whiteouts are written as docker writes them: ".wh.NAME" and ".wh..wh..opq".
 */
public final class LayerTar {
    /** 2024-01-01T00:00:00Z: a fixed mtime keeps digests stable across builds. */
    public static final long MTIME_MILLIS = 1_704_067_200_000L;

    private interface EntryWriter {
        void write(TarArchiveOutputStream out) throws IOException;
    }

    private final List<EntryWriter> entries = new ArrayList<>();

    public LayerTar dir(String path, int mode) {
        entries.add(out -> put(out, entry(path + "/", TarConstants.LF_DIR, mode), null));
        return this;
    }

    public LayerTar file(String path, byte[] content, int mode) {
        entries.add(out -> put(out, entry(path, TarConstants.LF_NORMAL, mode), content));
        return this;
    }

    public LayerTar file(String path, String content) {
        return file(path, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    public LayerTar symlink(String path, String target) {
        entries.add(out -> {
            TarArchiveEntry e = entry(path, TarConstants.LF_SYMLINK, 0777);
            e.setLinkName(target);
            put(out, e, null);
        });
        return this;
    }

    public LayerTar hardlink(String path, String target) {
        entries.add(out -> {
            TarArchiveEntry e = entry(path, TarConstants.LF_LINK, 0755);
            e.setLinkName(target);
            put(out, e, null);
        });
        return this;
    }

    /** Deletes {@code path} (from lower layers) in the image's view. */
    public LayerTar whiteout(String path) {
        int slash = path.lastIndexOf('/');
        String name = slash < 0 ? ".wh." + path : path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
        return file(name, new byte[0], 0644);
    }

    /** Hides everything lower layers have in directory {@code dir}. */
    public LayerTar opaque(String dir) {
        return file(dir + "/.wh..wh..opq", new byte[0], 0644);
    }

    private static TarArchiveEntry entry(String path, byte type, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(path, type);
        e.setMode(mode);
        e.setModTime(new Date(MTIME_MILLIS));
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("root");
        e.setGroupName("root");
        return e;
    }

    private static void put(TarArchiveOutputStream out, TarArchiveEntry e, byte[] content) throws IOException {
        if (content != null) e.setSize(content.length);
        out.putArchiveEntry(e);
        if (content != null) out.write(content);
        out.closeArchiveEntry();
    }

    /** The uncompressed tar. */
    public byte[] tar() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (EntryWriter entry : entries) entry.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("building layer tar", e);
        }
        return bytes.toByteArray();
    }

    /** The layer as a registry stores it: gzip blob, its digest, and the diff id of the tar. */
    public Layer build() {
        byte[] tar = tar();
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(tar);
        } catch (IOException e) {
            throw new UncheckedIOException("compressing layer", e);
        }
        byte[] blob = compressed.toByteArray();
        return new Layer(blob, Digest.sha256(blob), Digest.sha256(tar));
    }

    /** A built layer: gzip bytes, blob digest, diff id. */
    public record Layer(byte[] blob, Digest digest, Digest diffId) {}
}
