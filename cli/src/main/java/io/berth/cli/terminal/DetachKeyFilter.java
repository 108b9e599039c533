package io.berth.cli.terminal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The user's keystrokes on their way to the container, watched for the detach sequence. Keys that
 * start the sequence are held back; if the next key breaks it they are passed on after all, and if
 * it completes, reading fails with {@link DetachRequested} and the sequence never reaches the
 * container. Matching works across reads, however the terminal groups the bytes.
 */
public final class DetachKeyFilter extends FilterInputStream {
    private final byte[] sequence;
    private int matched;
    private boolean detached;

    public DetachKeyFilter(InputStream keys, byte[] sequence) {
        super(keys);
        this.sequence = sequence.clone();
    }

    /** Thrown once the whole detach sequence was typed. */
    public static final class DetachRequested extends IOException {
        public DetachRequested() {
            super("read escape sequence");
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int read;
        do {
            read = read(one, 0, 1);
        } while (read == 0);
        return read == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (detached) {
            throw new DetachRequested();
        }
        if (sequence.length == 0 || length == 0) {
            return super.read(buffer, offset, length);
        }
        // Room for the held-back prefix, which may have to be passed on in front of the new bytes.
        byte[] input = new byte[Math.max(1, length - matched)];
        int read = in.read(input, 0, input.length);
        if (read == -1) {
            return flushHeldBack(buffer, offset);
        }
        int written = 0;
        for (int i = 0; i < read; i++) {
            byte key = input[i];
            if (key == sequence[matched]) {
                matched++;
                if (matched == sequence.length) {
                    // Keys typed before the sequence still go out; the next read reports the detach.
                    detached = true;
                    if (written > 0) {
                        return written;
                    }
                    throw new DetachRequested();
                }
                continue;
            }
            // The held-back keys were ordinary input after all.
            System.arraycopy(sequence, 0, buffer, offset + written, matched);
            written += matched;
            matched = 0;
            if (key == sequence[0]) {
                matched = 1;
            } else {
                buffer[offset + written++] = key;
            }
        }
        return written;
    }

    private int flushHeldBack(byte[] buffer, int offset) {
        if (matched == 0) {
            return -1;
        }
        int count = matched;
        System.arraycopy(sequence, 0, buffer, offset, count);
        matched = 0;
        return count;
    }
}
