package io.berth.image.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream to its end on its own thread and hands the bytes over in chunks, so that what
 * producing them costs (network reads, hashing, decompression) overlaps with what consuming them
 * costs (file creation): the layer unpack's two halves then run on two cores, as tar and gzip do
 * in a pipe. A failure of the source (e.g. a digest mismatch at its end) is rethrown to the reader.
 * Closing it early stops the reading thread after its current read and waits for that, so the
 * caller may use the source again (never interrupted: that would close a file channel under it).
 */
final class ReadAhead extends InputStream {
    private static final int CHUNK = 256 * 1024;
    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(16);
    private volatile IOException failure;
    private volatile boolean closed;
    private byte[] current = new byte[0];
    private int position;
    private boolean ended;

    ReadAhead(InputStream source) {
        Thread.ofPlatform().daemon().name("layer-read-ahead").start(() -> pump(source));
    }

    private void pump(InputStream source) {
        try {
            while (!closed) {
                byte[] buffer = new byte[CHUNK];
                int n = source.readNBytes(buffer, 0, CHUNK);
                if (n > 0) chunks.put(n == CHUNK ? buffer : Arrays.copyOf(buffer, n));
                if (n < CHUNK) break;
            }
        } catch (IOException e) {
            failure = e;
        } catch (InterruptedException e) {
            failure = new InterruptedIOException("layer read-ahead interrupted");
        } catch (RuntimeException e) {
            failure = new IOException(e);
        }
        try {
            chunks.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean fill() throws IOException {
        if (ended) return false;
        while (position == current.length) {
            try {
                current = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while unpacking a layer");
            }
            position = 0;
            if (current == END) {
                ended = true;
                if (failure != null) throw failure;
                return false;
            }
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        return fill() ? current[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (!fill()) return -1;
        int n = Math.min(len, current.length - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }

    /** Consumes everything left, so the source has been read (and verified) to its end. */
    void drain() throws IOException {
        while (fill()) position = current.length;
    }

    @Override
    public void close() {
        closed = true;
        // Taking chunks unblocks the reading thread; END says it is done with the source.
        while (!ended) {
            try {
                ended = chunks.take() == END;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
