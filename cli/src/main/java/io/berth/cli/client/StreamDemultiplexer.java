package io.berth.cli.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Splits docker's multiplexed output stream (logs and attach without a tty). Each frame is an
 * 8-byte header [stream type, 0, 0, 0, big-endian uint32 size] and then size bytes; type 0 is
 * stdin, 1 stdout, 2 stderr, 3 a system error the daemon reports inside the stream.
 */
public final class StreamDemultiplexer {
    private static final int HEADER_SIZE = 8;
    private static final int SYSTEM_ERROR = 3;

    private final OutputStream stdout;
    private final OutputStream stderr;

    public StreamDemultiplexer(OutputStream stdout, OutputStream stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Copies frames until the stream ends; a clean end may only fall between frames. */
    public void copy(InputStream in) throws IOException {
        byte[] header = new byte[HEADER_SIZE];
        byte[] payload = new byte[32 * 1024];
        while (true) {
            int headerRead = in.readNBytes(header, 0, HEADER_SIZE);
            if (headerRead == 0) {
                return;
            }
            if (headerRead < HEADER_SIZE) {
                throw new EOFException("stream ended inside a frame header");
            }
            int type = header[0];
            long size = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
            OutputStream target = switch (type) {
                case 0, 1 -> stdout;
                case 2 -> stderr;
                case SYSTEM_ERROR -> null;
                default -> throw new IOException("unknown stream type " + type + " in multiplexed stream");
            };
            if (target == null) {
                throw new IOException("error from daemon in stream: " + new String(in.readNBytes((int) size)).strip());
            }
            copyPayload(in, target, size, payload);
        }
    }

    private static void copyPayload(InputStream in, OutputStream target, long size, byte[] buffer) throws IOException {
        long remaining = size;
        while (remaining > 0) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (read < 0) {
                throw new EOFException("stream ended inside a frame");
            }
            target.write(buffer, 0, read);
            remaining -= read;
        }
        target.flush();
    }
}
