package io.berth.runtime.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The receiving end of runc's --console-socket contract, as containerd's shim has it: a listening unix socket; the
 * runtime connects and passes the pty master with SCM_RIGHTS. The JDK's channels cannot receive an fd, so this is
 * libc through FFM (x86_64 layouts), and so are the reads and writes on the received master.
 */
final class ConsoleSocket implements AutoCloseable {
    private static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000, SOL_SOCKET = 1, SCM_RIGHTS = 1, POLLIN = 1;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = libc("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle BIND = libc("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle LISTEN = libc("listen", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle ACCEPT4 = libc("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle RECVMSG = libc("recvmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle POLL = libc("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle READ = libc("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle WRITE = libc("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle CLOSE = libc("close", JAVA_INT, JAVA_INT);

    private static final StructLayout SOCKADDR_UN = MemoryLayout.structLayout(JAVA_SHORT.withName("family"),
            MemoryLayout.sequenceLayout(108, JAVA_BYTE).withName("path"));
    private static final StructLayout IOVEC = MemoryLayout.structLayout(ADDRESS.withName("base"), JAVA_LONG.withName("len"));
    private static final StructLayout MSGHDR = MemoryLayout.structLayout(ADDRESS.withName("name"), JAVA_INT.withName("namelen"),
            MemoryLayout.paddingLayout(4), ADDRESS.withName("iov"), JAVA_LONG.withName("iovlen"), ADDRESS.withName("control"),
            JAVA_LONG.withName("controllen"), JAVA_INT.withName("flags"), MemoryLayout.paddingLayout(4));
    /** struct cmsghdr followed by one int: CMSG_SPACE(sizeof(int)) on x86_64. */
    private static final StructLayout CMSG_ONE_FD = MemoryLayout.structLayout(JAVA_LONG.withName("len"), JAVA_INT.withName("level"),
            JAVA_INT.withName("type"), JAVA_INT.withName("fd"), MemoryLayout.paddingLayout(4));
    private static final StructLayout POLLFD = MemoryLayout.structLayout(JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"),
            JAVA_SHORT.withName("revents"));

    /** What was received: the pty master and the name the runtime sent with it (the pty inside the container). */
    record Console(int master, String name) {}

    private final int listening;

    private ConsoleSocket(int listening) {
        this.listening = listening;
    }

    static ConsoleSocket listen(Path path) throws IOException {
        int fd = check((int) call(SOCKET, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(SOCKADDR_UN);
            address.set(JAVA_SHORT, 0, (short) AF_UNIX);
            address.asSlice(SOCKADDR_UN.byteOffset(groupElement("path"))).setString(0, path.toString());
            check((int) call(BIND, fd, address, (int) SOCKADDR_UN.byteSize()), "bind " + path);
            check((int) call(LISTEN, fd, 1), "listen");
        } catch (IOException e) {
            call(CLOSE, fd);
            throw e;
        }
        return new ConsoleSocket(fd);
    }

    /** Accepts the runtime's connection and takes the fd it passed. */
    Console receive() throws IOException {
        int connection = check((int) call(ACCEPT4, listening, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC), "accept");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(256), iov = arena.allocate(IOVEC), control = arena.allocate(CMSG_ONE_FD),
                    msg = arena.allocate(MSGHDR);
            iov.set(ADDRESS, IOVEC.byteOffset(groupElement("base")), text);
            iov.set(JAVA_LONG, IOVEC.byteOffset(groupElement("len")), text.byteSize() - 1);
            msg.set(ADDRESS, MSGHDR.byteOffset(groupElement("iov")), iov);
            msg.set(JAVA_LONG, MSGHDR.byteOffset(groupElement("iovlen")), 1L);
            msg.set(ADDRESS, MSGHDR.byteOffset(groupElement("control")), control);
            msg.set(JAVA_LONG, MSGHDR.byteOffset(groupElement("controllen")), CMSG_ONE_FD.byteSize());
            long n = (long) call(RECVMSG, connection, msg, 0);
            if (n <= 0) throw new IOException("recvmsg on the console socket returned " + n);
            int level = control.get(JAVA_INT, CMSG_ONE_FD.byteOffset(groupElement("level")));
            int type = control.get(JAVA_INT, CMSG_ONE_FD.byteOffset(groupElement("type")));
            if (level != SOL_SOCKET || type != SCM_RIGHTS) throw new IOException("no fd came with the console message");
            String name = new String(text.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8).replace("\0", "");
            return new Console(control.get(JAVA_INT, CMSG_ONE_FD.byteOffset(groupElement("fd"))), name);
        } finally {
            call(CLOSE, connection);
        }
    }

    /** Everything the fd gives until EOF or EIO (a pty master once the container has gone), waiting at most timeoutMillis between reads. */
    static String readAll(int fd, int timeoutMillis) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096), pollfd = arena.allocate(POLLFD);
            for (;;) {
                pollfd.set(JAVA_INT, 0, fd);
                pollfd.set(JAVA_SHORT, POLLFD.byteOffset(groupElement("events")), (short) POLLIN);
                if ((int) call(POLL, pollfd, 1L, timeoutMillis) == 0) throw new IOException("no output for " + timeoutMillis + " ms: " + out);
                long n = (long) call(READ, fd, buf, buf.byteSize());
                if (n <= 0) return out.toString(StandardCharsets.UTF_8);
                out.write(buf.asSlice(0, n).toArray(JAVA_BYTE));
            }
        }
    }

    static void write(int fd, String text) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom(text);
            long length = data.byteSize() - 1;
            if ((long) call(WRITE, fd, data, length) != length) throw new IOException("short write to fd " + fd);
        }
    }

    static void close(int fd) {
        call(CLOSE, fd);
    }

    @Override
    public void close() {
        close(listening);
    }

    private static MethodHandle libc(String name, MemoryLayout result, MemoryLayout... args) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), FunctionDescriptor.of(result, args));
    }

    private static Object call(MethodHandle handle, Object... args) {
        try {
            return handle.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static int check(int rc, String what) throws IOException {
        if (rc < 0) throw new IOException(what + " failed");
        return rc;
    }
}
