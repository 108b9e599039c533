package io.berth.api.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A request body handed to an endpoint as it arrives (image import). The event loop offers chunks;
 * the endpoint's virtual thread reads them. Reading from the socket pauses (autoRead off) while
 * too many chunks wait, so a large upload is never held in memory.
 */
public final class RequestBodyStream extends InputStream {
    private static final int PAUSE_ABOVE = 32, RESUME_BELOW = 8;
    private static final Object END = new Object();

    private final Channel channel;
    private final BlockingQueue<Object> chunks = new LinkedBlockingQueue<>();
    private ByteBuf current;
    private volatile boolean closed;
    private boolean ended;

    RequestBodyStream(Channel channel) {
        this.channel = channel;
    }

    /** Event loop: a piece of the body (retained here). */
    void offer(ByteBuf content) {
        if (closed) return;
        chunks.add(content.retain());
        if (chunks.size() > PAUSE_ABOVE) channel.config().setAutoRead(false);
    }

    /** Event loop: the body is complete. */
    void end() {
        chunks.add(END);
    }

    /** Event loop: the connection went away before the body was complete. */
    void abort() {
        chunks.add(new IOException("the client closed the connection before the request body was complete"));
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) return 0;
        while (current == null || !current.isReadable()) {
            if (current != null) current.release();
            current = null;
            if (ended) return -1;
            Object next;
            try {
                next = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading the request body", e);
            }
            if (chunks.size() < RESUME_BELOW && !channel.config().isAutoRead()) channel.config().setAutoRead(true);
            if (next == END) {
                ended = true;
                return -1;
            }
            if (next instanceof IOException e) throw e;
            current = (ByteBuf) next;
        }
        int n = Math.min(length, current.readableBytes());
        current.readBytes(buffer, offset, n);
        return n;
    }

    /** Drops what was not read and lets the socket be read again. */
    @Override
    public void close() {
        closed = true;
        if (current != null) current.release();
        current = null;
        for (Object o; (o = chunks.poll()) != null; ) if (o instanceof ByteBuf b) b.release();
        channel.config().setAutoRead(true);
    }
}
