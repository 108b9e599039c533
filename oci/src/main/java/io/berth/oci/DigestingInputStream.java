package io.berth.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes everything read through it. With an expected digest it verifies WHILE streaming: reaching
 * end of stream with other content (or reading past the expected size) throws
 * {@link DigestMismatchException}, so a consumer never finishes successfully on bad bytes.
 */
public final class DigestingInputStream extends FilterInputStream {
    private final MessageDigest sha256 = Digest.newSha256();
    private final Digest expected;
    private final long expectedSize;
    private long count;
    private Digest result;

    /**
     * Verifies against {@code expected} ({@code expectedSize} &lt; 0: size unknown); with a null
     * {@code expected} it only computes the digest (content of unknown identity, e.g. an imported tar).
     */
    public DigestingInputStream(InputStream in, Digest expected, long expectedSize) {
        super(in);
        this.expected = expected;
        this.expectedSize = expectedSize;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n < 0) {
            finish();
            return -1;
        }
        sha256.update(b, off, n);
        count += n;
        if (expected != null && expectedSize >= 0 && count > expectedSize) {
            throw new DigestMismatchException(expected, "more than the expected " + expectedSize + " bytes");
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipped bytes must still be hashed.
        byte[] buffer = new byte[(int) Math.min(8192, Math.max(n, 1))];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (r < 0) break;
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() { return false; }

    private void finish() throws DigestMismatchException {
        if (result != null) return;
        result = Digest.fromHash(sha256.digest());
        if (expected == null) return;
        if (expectedSize >= 0 && count != expectedSize) {
            throw new DigestMismatchException(expected, "got " + count + " bytes, expected " + expectedSize);
        }
        if (!result.equals(expected)) {
            throw new DigestMismatchException(expected, "content hashes to " + result);
        }
    }

    /** Reads to end of stream (verifying) and returns the digest of everything read. */
    public Digest drainAndDigest() throws IOException {
        byte[] buffer = new byte[65536];
        while (read(buffer, 0, buffer.length) >= 0) {
            // hashing happens in read
        }
        return result;
    }

    public long count() { return count; }
}
