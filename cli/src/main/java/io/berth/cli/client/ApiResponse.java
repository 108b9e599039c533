package io.berth.cli.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;

/**
 * A daemon answer whose body arrives while it is read: the status and headers first, then the body
 * as a blocking {@link InputStream} that ends with the response (or, once hijacked, at EOF).
 * Closing it closes the connection.
 */
public final class ApiResponse implements AutoCloseable {
    /** Queued after the last body chunk. */
    static final Object END = new Object();

    private final int status;
    private final HttpHeaders headers;
    private final BlockingQueue<Object> chunks;
    private final Channel channel;
    private final InputStream body = new ChunkInputStream();

    ApiResponse(int status, HttpHeaders headers, BlockingQueue<Object> chunks, Channel channel) {
        this.status = status;
        this.headers = headers;
        this.chunks = chunks;
        this.channel = channel;
    }

    public int status() {
        return status;
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300 || isUpgraded();
    }

    public boolean isUpgraded() {
        return status == 101;
    }

    /** A header value, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    public InputStream body() {
        return body;
    }

    public byte[] readAllBytes() throws IOException {
        return body.readAllBytes();
    }

    public String readText() throws IOException {
        return new String(readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Sends bytes on a hijacked connection (the container's stdin), bypassing the HTTP encoder. */
    public void write(byte[] data, int length) throws IOException {
        try {
            channel.pipeline().firstContext().writeAndFlush(Unpooled.copiedBuffer(data, 0, length)).sync();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing to the daemon");
        }
    }

    /** Half-closes a hijacked connection so the container sees EOF on stdin while output keeps flowing. */
    public void closeWrite() {
        if (channel instanceof DuplexChannel duplex) {
            duplex.shutdownOutput();
        }
    }

    @Override
    public void close() {
        channel.close();
    }

    private final class ChunkInputStream extends InputStream {
        private byte[] current = new byte[0];
        private int position;
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            while (position == current.length) {
                if (ended) {
                    return -1;
                }
                takeNext();
            }
            int count = Math.min(length, current.length - position);
            System.arraycopy(current, position, buffer, offset, count);
            position += count;
            return count;
        }

        private void takeNext() throws IOException {
            Object next;
            try {
                next = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading from the daemon");
            }
            switch (next) {
                case byte[] bytes -> {
                    current = bytes;
                    position = 0;
                }
                case Throwable failure -> {
                    ended = true;
                    throw failure instanceof IOException io ? io : new IOException(failure.getMessage(), failure);
                }
                default -> ended = true;
            }
        }

        @Override
        public void close() {
            ApiResponse.this.close();
        }
    }
}
