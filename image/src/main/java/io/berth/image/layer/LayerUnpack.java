package io.berth.image.layer;

import com.github.luben.zstd.ZstdInputStream;
import io.berth.oci.Digest;
import io.berth.oci.DigestMismatchException;
import io.berth.oci.DigestingInputStream;
import io.berth.oci.image.MediaTypes.LayerCompression;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import java.util.zip.GZIPInputStream;

/**
 * The single pass from a layer blob to an unpacked directory: the compressed bytes are hashed (and
 * optionally copied to the blob file), decompressed, hashed again (the diff id) and untarred, with
 * no temporary copy of the uncompressed layer. Both digests are checked at end of stream.
 */
public final class LayerUnpack {
    /** What one pass produced: the blob's digest and size, the diff id and the unpacked content size. */
    public record Result(Digest blobDigest, long blobSize, Digest diffId, long unpackedSize) {}

    private LayerUnpack() {}

    /**
     * @param blob         the (compressed) blob as it arrives
     * @param blobSink     where to keep a copy of the blob bytes, or null
     * @param expectedBlob the blob digest to verify, or null (imports)
     * @param expectedDiff the diff id to verify, or null (imports)
     * @param progress     told the running count of blob bytes read
     */
    public static Result run(InputStream blob, LayerCompression compression, OutputStream blobSink,
                             Digest expectedBlob, long expectedSize, Digest expectedDiff, Path diffDir,
                             LongConsumer progress) throws IOException {
        return run(blob, compression, blobSink, expectedBlob, expectedSize, expectedDiff, diffDir, progress,
                ExtractionLimits.defaults());
    }

    /** As above, with explicit bounds on what the layer may unpack to. */
    public static Result run(InputStream blob, LayerCompression compression, OutputStream blobSink,
                             Digest expectedBlob, long expectedSize, Digest expectedDiff, Path diffDir,
                             LongConsumer progress, ExtractionLimits limits) throws IOException {
        return run(blob, compression, blobSink, expectedBlob, expectedSize, expectedDiff, diffDir, progress, count -> {}, limits);
    }

    /** As above; {@code unpackedProgress} is told the running count of uncompressed tar bytes extracted. */
    public static Result run(InputStream blob, LayerCompression compression, OutputStream blobSink,
                             Digest expectedBlob, long expectedSize, Digest expectedDiff, Path diffDir,
                             LongConsumer progress, LongConsumer unpackedProgress, ExtractionLimits limits) throws IOException {
        // A descriptor without a size (0) is checked by digest alone.
        DigestingInputStream blobDigesting = new DigestingInputStream(new Counting(blob, progress, Long.MAX_VALUE), expectedBlob,
                expectedBlob == null || expectedSize <= 0 ? -1 : expectedSize);
        InputStream compressed = blobSink == null ? blobDigesting : new TeeInputStream(blobDigesting, blobSink);
        try {
            // Headers, padding and trailing bytes are bounded too: a bomb of zeros after the tar's end must not run forever.
            InputStream bounded = new Counting(decompress(compressed, compression), unpackedProgress,
                    2 * limits.maxUnpackedBytes() + (1 << 20));
            DigestingInputStream tar = new DigestingInputStream(bounded, expectedDiff, -1);
            long unpacked;
            try (ReadAhead ahead = new ReadAhead(tar)) {
                unpacked = TarExtractor.extract(ahead, diffDir, limits);
                ahead.drain();
            }
            Digest diffId = tar.drainAndDigest();
            Digest blobDigest = drain(compressed, blobDigesting);
            return new Result(blobDigest, blobDigesting.count(), diffId, unpacked);
        } catch (DigestMismatchException e) {
            throw e;
        } catch (IOException e) {
            // Bad bytes usually break gzip or tar before the digest check: report the mismatch if that is the cause.
            drain(compressed, blobDigesting);
            throw e;
        }
    }

    private static Digest drain(InputStream compressed, DigestingInputStream blobDigesting) throws IOException {
        compressed.transferTo(OutputStream.nullOutputStream());
        return blobDigesting.drainAndDigest();
    }

    private static InputStream decompress(InputStream compressed, LayerCompression compression) throws IOException {
        return switch (compression) {
            case NONE -> compressed;
            case GZIP -> new GZIPInputStream(compressed, 65536);
            case ZSTD -> new ZstdInputStream(compressed);
        };
    }

    /**
     * Counts the bytes that come through: reports progress at most every 256 KiB so a progress
     * stream stays readable, and fails the read once more than {@code limit} bytes came (a bomb).
     */
    private static final class Counting extends FilterInputStream {
        private static final long STEP = 256 * 1024;
        private final LongConsumer progress;
        private final long limit;
        private long count;
        private long reported;

        Counting(InputStream in, LongConsumer progress, long limit) {
            super(in);
            this.progress = progress;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
                if (count > limit) {
                    throw new UnsafeLayerEntryException("(stream)", "layer decompresses to more than " + limit + " bytes");
                }
                if (count - reported >= STEP) {
                    reported = count;
                    progress.accept(count);
                }
            }
            return n;
        }
    }
}
