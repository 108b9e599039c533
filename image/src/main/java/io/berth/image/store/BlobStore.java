package io.berth.image.store;

import io.berth.oci.Digest;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Content-addressed blobs under blobs/sha256/&lt;hex&gt;. A blob is written to a temp file in the
 * store's tmp dir (same filesystem) and renamed in only after its digest was verified, so after a
 * crash of the process anything under blobs/ is complete and correct. Blobs are not fsynced, as
 * dockerd does not sync layer data either: on ext4 (data=ordered) one fsync flushes every file the
 * concurrent layer extractions wrote, which made a pull wait for the disk; after a power loss a
 * recently written blob may be damaged, which every reader notices (pushes and saves verify digests).
 */
public final class BlobStore {
    private final Path dir;
    private final TempArea temp;

    BlobStore(Path root, TempArea temp) throws IOException {
        this.dir = Files.createDirectories(root.resolve("blobs").resolve(Digest.SHA256));
        this.temp = temp;
    }

    public Path path(Digest digest) {
        return dir.resolve(digest.hex());
    }

    public boolean contains(Digest digest) {
        return Files.isRegularFile(path(digest));
    }

    public byte[] read(Digest digest) throws IOException {
        return Files.readAllBytes(path(digest));
    }

    /** Stores bytes whose digest is computed here; returns it. */
    public Digest write(byte[] content) throws IOException {
        Digest digest = Digest.sha256(content);
        if (contains(digest)) return digest;
        Path file = temp.newFile("blob-");
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
            out.write(content);
        }
        commit(file, digest);
        return digest;
    }

    /** A temp file to stream a blob into before {@link #commit}. */
    public Path newTempFile() throws IOException {
        return temp.newFile("blob-");
    }

    /** Moves a verified temp file into place (a concurrent writer of the same blob may have won: fine). */
    public void commit(Path verifiedTempFile, Digest digest) throws IOException {
        try {
            Files.move(verifiedTempFile, path(digest), StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(verifiedTempFile);
        }
    }

    public void delete(Digest digest) throws IOException {
        Files.deleteIfExists(path(digest));
    }

    /** Every blob in the store. */
    public Set<Digest> all() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> Digest.SHA256 + ":" + f.getFileName()).filter(Digest::isValid)
                    .map(Digest::parse).collect(Collectors.toSet());
        }
    }
}
