package io.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The Linux system calls the JDK lacks, called through the Foreign Function &amp; Memory API.
 * Every call reports failure as a {@link LinuxException} naming the call, its subject and errno.
 */
public final class Syscalls {
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;

    public static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32,
            MS_BIND = 4096, MS_REC = 16384, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19;
    public static final int MNT_DETACH = 2;
    public static final int S_IFCHR = 0020000, S_IFBLK = 0060000, S_IFIFO = 0010000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle KILL = libc("kill", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle MOUNT = libc("mount", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
    private static final MethodHandle UMOUNT2 = libc("umount2", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle MKNOD = libc("mknod", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG);
    private static final MethodHandle LCHOWN = libc("lchown", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle LSETXATTR = libc("lsetxattr", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle UTIMENSAT = libc("utimensat", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle GETEUID = LINKER.downcallHandle(
            LINKER.defaultLookup().find("geteuid").orElseThrow(), FunctionDescriptor.of(JAVA_INT));

    private Syscalls() {}

    private static MethodHandle libc(String name, ValueLayout result, MemoryLayout... args) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(),
                FunctionDescriptor.of(result, args), CAPTURE_ERRNO);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static MemorySegment cString(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }

    private static void check(int rc, MemorySegment state, String call, Object subject) throws LinuxException {
        if (rc < 0) throw new LinuxException(call, String.valueOf(subject), errno(state));
    }

    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** kill(2): sends {@code signal} to {@code pid}. */
    public static void kill(int pid, int signal) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) KILL.invokeExact(state, pid, signal);
            check(rc, state, "kill", pid);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** True while a process with this pid exists (signal 0 probe). */
    public static boolean processExists(int pid) {
        try {
            kill(pid, 0);
            return true;
        } catch (LinuxException e) {
            return e.errno() == Errno.EPERM;
        }
    }

    public static void mount(String source, Path target, String fstype, long flags, String data) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) MOUNT.invokeExact(state, cString(arena, source), cString(arena, target.toString()),
                    cString(arena, fstype), flags, cString(arena, data));
            check(rc, state, "mount", target);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static void umount(Path target, int flags) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) UMOUNT2.invokeExact(state, cString(arena, target.toString()), flags);
            check(rc, state, "umount2", target);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** mknod(2); {@code mode} includes the file type bits (S_IFCHR, S_IFBLK, S_IFIFO). */
    public static void mknod(Path path, int mode, int major, int minor) throws LinuxException {
        long dev = makedev(major, minor);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) MKNOD.invokeExact(state, cString(arena, path.toString()), mode, dev);
            check(rc, state, "mknod", path);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** glibc's makedev encoding of a device number. */
    static long makedev(int major, int minor) {
        long ma = major & 0xffffffffL, mi = minor & 0xffffffffL;
        return ((ma & 0x00000fffL) << 8) | ((ma & 0xfffff000L) << 32) | (mi & 0x000000ffL) | ((mi & 0xffffff00L) << 12);
    }

    /** lchown(2): changes owner without following a final symlink. */
    public static void lchown(Path path, int uid, int gid) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) LCHOWN.invokeExact(state, cString(arena, path.toString()), uid, gid);
            check(rc, state, "lchown", path);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** lsetxattr(2): sets an extended attribute of any namespace (trusted., security., user.) without following symlinks. */
    public static void lsetxattr(Path path, String name, byte[] value) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            int rc = (int) LSETXATTR.invokeExact(state, cString(arena, path.toString()), cString(arena, name), v,
                    (long) value.length, 0);
            check(rc, state, "lsetxattr " + name, path);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Sets access and modification times (seconds + nanos) without following a final symlink. */
    public static void lutimes(Path path, long seconds, long nanos) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment times = arena.allocate(JAVA_LONG, 4);
            times.setAtIndex(JAVA_LONG, 0, seconds);
            times.setAtIndex(JAVA_LONG, 1, nanos);
            times.setAtIndex(JAVA_LONG, 2, seconds);
            times.setAtIndex(JAVA_LONG, 3, nanos);
            int rc = (int) UTIMENSAT.invokeExact(state, AT_FDCWD, cString(arena, path.toString()), times, AT_SYMLINK_NOFOLLOW);
            check(rc, state, "utimensat", path);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
