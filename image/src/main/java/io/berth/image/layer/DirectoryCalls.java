package io.berth.image.layer;

import io.berth.linux.Errno;
import io.berth.linux.LinuxException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The *at family of system calls on directory file descriptors, through FFM, so a layer is unpacked
 * relative to open directories and never through a path the layer itself could redirect with a
 * symlink. openat2(2) with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS lets the kernel enforce that a
 * multi-component path stays under its directory. One instance per unpacking thread: it reuses
 * native scratch memory, so it is not thread-safe.
 */
public final class DirectoryCalls implements AutoCloseable {
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0100, O_EXCL = 0200, O_DIRECTORY = 0200000,
            O_NOFOLLOW = 0400000, O_CLOEXEC = 02000000, O_PATH = 010000000;
    public static final long RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_BENEATH = 0x08,
            RESOLVE_IN_ROOT = 0x10;
    public static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200;
    /** chattr's T attribute: ext4's allocator spreads the directories created inside over block groups. */
    public static final int FS_TOPDIR_FL = 0x00020000;
    public static final int S_IFMT = 0170000, S_IFDIR = 0040000, S_IFREG = 0100000, S_IFLNK = 0120000,
            S_IFCHR = 0020000, S_IFBLK = 0060000, S_IFIFO = 0010000;

    private static final long SYS_OPENAT2 = 437; // the same number on every architecture (added after the unification)
    private static final int STATX_TYPE = 1, STATX_MODE = 2;
    private static final long FS_IOC_GETFLAGS = 0x80086601L, FS_IOC_SETFLAGS = 0x40086602L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPENAT2 = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPENAT = libc("openat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle MKDIRAT = libc("mkdirat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SYMLINKAT = libc("symlinkat", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
    private static final MethodHandle LINKAT = libc("linkat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle MKNODAT = libc("mknodat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG);
    private static final MethodHandle UNLINKAT = libc("unlinkat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle FCHOWNAT = libc("fchownat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle FCHMODAT = libc("fchmodat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle FCHOWN = libc("fchown", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle FCHMOD = libc("fchmod", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle UTIMENSAT = libc("utimensat", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle FUTIMENS = libc("futimens", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle FSETXATTR = libc("fsetxattr", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle STATX = libc("statx", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle WRITE = libc("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle CLOSE = libc("close", JAVA_INT, JAVA_INT);

    private static final int BUFFER_SIZE = 1 << 20;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(CALL_STATE);
    private final MemorySegment name1 = arena.allocate(8192);
    private final MemorySegment name2 = arena.allocate(8192);
    private final MemorySegment value = arena.allocate(65536);
    private final MemorySegment openHow = arena.allocate(JAVA_LONG, 3);
    private final MemorySegment times = arena.allocate(JAVA_LONG, 4);
    private final MemorySegment statx = arena.allocate(256, 8);
    private final MemorySegment buffer = arena.allocate(BUFFER_SIZE, 4096);

    private static MethodHandle libc(String name, ValueLayout result, MemoryLayout... args) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(),
                FunctionDescriptor.of(result, args), CAPTURE_ERRNO);
    }

    private MemorySegment cString(MemorySegment scratch, String s) throws LinuxException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= scratch.byteSize()) throw new LinuxException("path", s, 36 /* ENAMETOOLONG */);
        MemorySegment.copy(bytes, 0, scratch, JAVA_BYTE, 0, bytes.length);
        scratch.set(JAVA_BYTE, bytes.length, (byte) 0);
        return scratch;
    }

    private long check(long rc, String call, String subject) throws LinuxException {
        if (rc < 0) throw new LinuxException(call, subject, (int) ERRNO.get(state, 0L));
        return rc;
    }

    private static IllegalStateException unexpected(Throwable t) {
        return new IllegalStateException("native call failed", t);
    }

    /** openat2(2): opens {@code path} (several components allowed) under {@code dirfd} with RESOLVE_* rules. */
    public int openat2(int dirfd, String path, int flags, int mode, long resolve) throws LinuxException {
        openHow.setAtIndex(JAVA_LONG, 0, flags | O_CLOEXEC);
        openHow.setAtIndex(JAVA_LONG, 1, (flags & O_CREAT) != 0 ? mode : 0);
        openHow.setAtIndex(JAVA_LONG, 2, resolve);
        try {
            long rc = (long) OPENAT2.invokeExact(state, SYS_OPENAT2, (long) dirfd, cString(name1, path), openHow, openHow.byteSize());
            return (int) check(rc, "openat2", path);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** openat(2) of one name in {@code dirfd}; callers pass O_NOFOLLOW so a final symlink is never followed. */
    public int openat(int dirfd, String name, int flags, int mode) throws LinuxException {
        try {
            return (int) check((int) OPENAT.invokeExact(state, dirfd, cString(name1, name), flags | O_CLOEXEC, mode), "openat", name);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public void mkdirat(int dirfd, String name, int mode) throws LinuxException {
        try {
            check((int) MKDIRAT.invokeExact(state, dirfd, cString(name1, name), mode), "mkdirat", name);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public void symlinkat(String target, int dirfd, String name) throws LinuxException {
        try {
            check((int) SYMLINKAT.invokeExact(state, cString(name2, target), dirfd, cString(name1, name)), "symlinkat", name);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** linkat(2) without AT_SYMLINK_FOLLOW: a link to a symlink is a second symlink, never its target. */
    public void linkat(int oldDirfd, String oldName, int newDirfd, String newName) throws LinuxException {
        try {
            check((int) LINKAT.invokeExact(state, oldDirfd, cString(name2, oldName), newDirfd, cString(name1, newName), 0),
                    "linkat", newName);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** mknodat(2); {@code mode} includes the file type bits. */
    public void mknodat(int dirfd, String name, int mode, int major, int minor) throws LinuxException {
        long ma = major & 0xffffffffL, mi = minor & 0xffffffffL;
        long dev = ((ma & 0x00000fffL) << 8) | ((ma & 0xfffff000L) << 32) | (mi & 0x000000ffL) | ((mi & 0xffffff00L) << 12);
        try {
            check((int) MKNODAT.invokeExact(state, dirfd, cString(name1, name), mode, dev), "mknodat", name);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public void unlinkat(int dirfd, String name, int flags) throws LinuxException {
        try {
            check((int) UNLINKAT.invokeExact(state, dirfd, cString(name1, name), flags), "unlinkat", name);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** fchownat(2) with AT_SYMLINK_NOFOLLOW: owns a symlink itself. */
    public void lchownat(int dirfd, String name, int uid, int gid) throws LinuxException {
        try {
            check((int) FCHOWNAT.invokeExact(state, dirfd, cString(name1, name), uid, gid, AT_SYMLINK_NOFOLLOW), "fchownat", name);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** fchmodat(2) of a name the caller knows is not a symlink (device nodes and fifos, which cannot be opened safely). */
    public void fchmodat(int dirfd, String name, int mode) throws LinuxException {
        try {
            check((int) FCHMODAT.invokeExact(state, dirfd, cString(name1, name), mode, 0), "fchmodat", name);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public void fchown(int fd, int uid, int gid) throws LinuxException {
        try {
            check((int) FCHOWN.invokeExact(state, fd, uid, gid), "fchown", "fd " + fd);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public void fchmod(int fd, int mode) throws LinuxException {
        try {
            check((int) FCHMOD.invokeExact(state, fd, mode), "fchmod", "fd " + fd);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private void setTimes(long seconds, long nanos) {
        times.setAtIndex(JAVA_LONG, 0, seconds);
        times.setAtIndex(JAVA_LONG, 1, nanos);
        times.setAtIndex(JAVA_LONG, 2, seconds);
        times.setAtIndex(JAVA_LONG, 3, nanos);
    }

    /** utimensat(2) with AT_SYMLINK_NOFOLLOW: atime and mtime of one name. */
    public void lutimensat(int dirfd, String name, long seconds, long nanos) throws LinuxException {
        setTimes(seconds, nanos);
        try {
            check((int) UTIMENSAT.invokeExact(state, dirfd, cString(name1, name), times, AT_SYMLINK_NOFOLLOW), "utimensat", name);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public void futimens(int fd, long seconds, long nanos) throws LinuxException {
        setTimes(seconds, nanos);
        try {
            check((int) FUTIMENS.invokeExact(state, fd, times), "futimens", "fd " + fd);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public void fsetxattr(int fd, String name, byte[] content) throws LinuxException {
        if (content.length > value.byteSize()) throw new LinuxException("fsetxattr " + name, "fd " + fd, 7 /* E2BIG */);
        MemorySegment.copy(content, 0, value, JAVA_BYTE, 0, content.length);
        try {
            check((int) FSETXATTR.invokeExact(state, fd, cString(name1, name), value, (long) content.length, 0),
                    "fsetxattr " + name, "fd " + fd);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The st_mode of a name in {@code dirfd} without following a symlink, or -1 if it does not exist. */
    public int lstatMode(int dirfd, String name) throws LinuxException {
        try {
            int rc = (int) STATX.invokeExact(state, dirfd, cString(name1, name), AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE, statx);
            if (rc < 0 && (int) ERRNO.get(state, 0L) == Errno.ENOENT) return -1;
            check(rc, "statx", name);
            return statx.get(JAVA_SHORT, 28) & 0xffff;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Adds inode attributes (FS_IOC_GETFLAGS/SETFLAGS, what chattr sets) to an open file or directory. */
    public void addInodeFlags(int fd, int flags) throws LinuxException {
        try {
            check((int) IOCTL.invokeExact(state, fd, FS_IOC_GETFLAGS, value), "ioctl FS_IOC_GETFLAGS", "fd " + fd);
            int current = value.get(JAVA_INT, 0);
            if ((current & flags) == flags) return;
            value.set(JAVA_INT, 0, current | flags);
            check((int) IOCTL.invokeExact(state, fd, FS_IOC_SETFLAGS, value), "ioctl FS_IOC_SETFLAGS", "fd " + fd);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Writes all of {@code bytes[offset, offset+length)} to {@code fd}. */
    public void write(int fd, byte[] bytes, int offset, int length) throws LinuxException {
        while (length > 0) {
            int chunk = Math.min(length, BUFFER_SIZE);
            MemorySegment.copy(bytes, offset, buffer, JAVA_BYTE, 0, chunk);
            long written = 0;
            while (written < chunk) {
                try {
                    long n = (long) WRITE.invokeExact(state, fd, buffer.asSlice(written), (long) (chunk - written));
                    if (n < 0 && (int) ERRNO.get(state, 0L) == Errno.EINTR) continue;
                    written += check(n, "write", "fd " + fd);
                } catch (LinuxException e) {
                    throw e;
                } catch (Throwable t) {
                    throw unexpected(t);
                }
            }
            offset += chunk;
            length -= chunk;
        }
    }

    public void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
