package io.berth.runtime.stdio;

import io.berth.errdefs.InvalidArgumentException;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A connection to a container's (or an exec's) monitor: writes its stdin, closes it, resizes its terminal. Any number
 * may be open at once and over the container's life. Frames are {@code [type u8, 0, 0, 0, length u32 BE] + payload}
 * (native/README.md). Writes block only this caller, while the container does not read its stdin.
 */
public final class ControlChannel implements AutoCloseable {
    private static final byte STDIN = 0, CLOSE_STDIN = 1, RESIZE = 2;
    /** The monitor drops a client whose frame is larger. */
    static final int MAX_PAYLOAD = 1 << 20;

    private final SocketChannel channel;

    private ControlChannel(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects to the monitor listening on {@code socket}; fails with an IOException if none does. */
    public static ControlChannel connect(Path socket) throws IOException {
        return new ControlChannel(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
    }

    public synchronized void writeStdin(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        for (int done = 0; done < len; ) {
            int chunk = Math.min(MAX_PAYLOAD, len - done);
            send(STDIN, ByteBuffer.wrap(b, off + done, chunk));
            done += chunk;
        }
    }

    /** End of input: a pipe is closed once what was written before is read; a terminal gets ^D. */
    public synchronized void closeStdin() throws IOException {
        send(CLOSE_STDIN, ByteBuffer.allocate(0));
    }

    /** Sets the terminal's window size (TIOCSWINSZ); without a terminal it has no effect. */
    public synchronized void resize(int rows, int cols) throws IOException {
        if (rows < 0 || rows > 0xffff || cols < 0 || cols > 0xffff)
            throw new InvalidArgumentException("invalid terminal size " + rows + "x" + cols + ": rows and columns must be 0 to 65535");
        send(RESIZE, ByteBuffer.allocate(4).putShort((short) rows).putShort((short) cols).flip());
    }

    private void send(byte type, ByteBuffer payload) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(8).put(type).put(new byte[3]).putInt(payload.remaining()).flip();
        ByteBuffer[] frame = {header, payload};
        while (header.hasRemaining() || payload.hasRemaining()) channel.write(frame);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("close the control connection", e);
        }
    }
}
