package io.berth.api.server.http;

import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A hijacked connection taken out of Netty: the socket is dup'ed, switched to blocking mode and the
 * Netty channel closed, so the endpoint's virtual thread writes the stream with plain send(2).
 * Why: docker clients half-close their side after a hijack, and Netty 4.2's epoll transport then
 * drops the socket from epoll while still believing it registered, so every later write that has
 * to wait for buffer space fails ("epoll_ctl ... No such file or directory"). Outside Netty, a
 * half-closed peer is just a socket we keep writing to.
 */
final class DetachedSocket implements AutoCloseable {
    private static final int F_GETFL = 3, F_SETFL = 4, O_NONBLOCK = 04000, MSG_NOSIGNAL = 0x4000, EINTR = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle DUP = libc("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL = libc("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SEND = libc("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV = libc("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SHUTDOWN = libc("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final int SHUT_WR = 1, SHUT_RDWR = 2;

    private final int fd;
    private boolean closed;

    private DetachedSocket(int fd) {
        this.fd = fd;
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    /** Must run on the channel's event loop; afterwards the Netty channel is closed and this owns the connection. */
    static DetachedSocket takeOver(Channel channel) throws IOException {
        if (!(channel instanceof UnixChannel unix)) {
            throw new IOException("cannot take over a " + channel.getClass().getSimpleName() + " connection");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int copy = (int) DUP.invokeExact(state, unix.fd().intValue());
            if (copy < 0) throw new IOException("dup failed, errno " + (int) ERRNO.get(state, 0L));
            int flags = (int) FCNTL.invokeExact(state, copy, F_GETFL, 0);
            if (flags < 0 || (int) FCNTL.invokeExact(state, copy, F_SETFL, flags & ~O_NONBLOCK) < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                int ignored = (int) CLOSE.invokeExact(state, copy);
                throw new IOException("cannot make the connection blocking, errno " + errno);
            }
            channel.close();
            return new DetachedSocket(copy);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("cannot take over the connection: " + t, t);
        }
    }

    /** Writes all of {@code bytes}, blocking while the client is slow; IOException when it has gone. */
    void write(byte[] bytes) throws IOException {
        if (bytes.length == 0) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment buffer = arena.allocateFrom(JAVA_BYTE, bytes);
            long offset = 0;
            while (offset < bytes.length) {
                long n = (long) SEND.invokeExact(state, fd, buffer.asSlice(offset), (long) bytes.length - offset, MSG_NOSIGNAL);
                if (n < 0) {
                    int errno = (int) ERRNO.get(state, 0L);
                    if (errno == EINTR) continue;
                    throw new IOException("the client connection is gone (errno " + errno + ")");
                }
                offset += n;
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("cannot write to the client: " + t, t);
        }
    }

    /**
     * Reads what the client sent (its stdin), blocking; -1 at its end of stream or once closed. A
     * blocked recv(2) pins its thread, so callers read on a platform thread, not a virtual one.
     */
    int read(byte[] buffer) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment received = arena.allocate(buffer.length);
            while (true) {
                synchronized (this) {
                    if (closed) return -1; // the fd number may already belong to something else
                }
                long n = (long) RECV.invokeExact(state, fd, received, (long) buffer.length, 0);
                if (n > 0) {
                    MemorySegment.copy(received, JAVA_BYTE, 0, buffer, 0, (int) n);
                    return (int) n;
                }
                if (n == 0) return -1;
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EINTR) continue;
                synchronized (this) {
                    if (closed) return -1;
                }
                throw new IOException("cannot read from the client (errno " + errno + ")");
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("cannot read from the client: " + t, t);
        }
    }

    /** Ends our direction only (a FIN): the client reads the end of the stream and may still send. */
    synchronized void shutdownOutput() {
        if (closed) return;
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) SHUTDOWN.invokeExact(arena.allocate(CALL_STATE), fd, SHUT_WR);
        } catch (Throwable t) {
            throw new IllegalStateException("shutdown failed", t);
        }
    }

    /** Shuts the connection down first, which wakes a reader blocked in recv(2); close alone would not. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try (Arena arena = Arena.ofConfined()) {
            int ignoredShutdown = (int) SHUTDOWN.invokeExact(arena.allocate(CALL_STATE), fd, SHUT_RDWR);
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CALL_STATE), fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close failed", t);
        }
    }
}
