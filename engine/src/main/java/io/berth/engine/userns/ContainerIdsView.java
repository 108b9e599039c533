package io.berth.engine.userns;

import io.berth.oci.runtime.Linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A read-only view of a directory a remapped container wrote (its writable layer), with ownership as the container
 * saw it: the remap's subordinate ids show as 0, 1, ..., which is what commit, diff and export must record (docker
 * translates them back the same way). It is an id-mapped detached mount (open_tree, mount_setattr with a user
 * namespace holding the inverse mapping), reached through /proc/self/fd/N: nothing is mounted in the host's tree,
 * and closing the view drops the mount. Ids outside the remap (host root's mount points) show as the overflow id.
 */
public final class ContainerIdsView implements AutoCloseable {
    private static final int AT_FDCWD = -100, AT_EMPTY_PATH = 0x1000, O_RDONLY = 0, O_CLOEXEC = 02000000;
    private static final int OPEN_TREE_CLONE = 1;
    private static final long MOUNT_ATTR_RDONLY = 0x1, MOUNT_ATTR_IDMAP = 0x100000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = libc("open", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle CLOSE = libc("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle OPEN_TREE = libc("open_tree", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle MOUNT_SETATTR = libc("mount_setattr", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG);

    private final int mountFd;

    private ContainerIdsView(int mountFd) {
        this.mountFd = mountFd;
    }

    /** The view of {@code dir} written under {@code remap}. */
    public static ContainerIdsView open(Path dir, UsernsRemap remap) throws IOException {
        // A user namespace may only be made by a single-threaded process: a helper holds one while its maps are written.
        Process holder = new ProcessBuilder("unshare", "--user", "sleep", "60").redirectErrorStream(true).start();
        try (Arena arena = Arena.ofConfined()) {
            Path ns = Path.of("/proc/" + holder.pid() + "/ns/user");
            awaitOwnUserNamespace(holder, ns);
            Files.writeString(Path.of("/proc/" + holder.pid() + "/uid_map"), inverse(remap.uidMappings()));
            Files.writeString(Path.of("/proc/" + holder.pid() + "/gid_map"), inverse(remap.gidMappings()));
            int userns = call(arena, "open " + ns, OPEN, arena.allocateFrom(ns.toString()), O_RDONLY | O_CLOEXEC);
            try {
                int tree = call(arena, "open_tree " + dir, OPEN_TREE, AT_FDCWD, arena.allocateFrom(dir.toString()),
                        OPEN_TREE_CLONE | O_CLOEXEC);
                MemorySegment attr = arena.allocate(32); // struct mount_attr: attr_set, attr_clr, propagation, userns_fd
                attr.set(JAVA_LONG, 0, MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY);
                attr.set(JAVA_LONG, 24, userns);
                try {
                    call(arena, "mount_setattr " + dir, MOUNT_SETATTR, tree, arena.allocateFrom(""), AT_EMPTY_PATH, attr, 32L);
                } catch (IOException e) {
                    close(tree);
                    throw e;
                }
                return new ContainerIdsView(tree);
            } finally {
                close(userns);
            }
        } finally {
            holder.destroyForcibly();
        }
    }

    /** The directory as the container saw it; valid until {@link #close}. */
    public Path path() {
        return Path.of("/proc/self/fd/" + mountFd);
    }

    @Override
    public void close() {
        close(mountFd);
    }

    /** Inside the helper's namespace, host id k is the container's id: the remap's lines with their sides swapped. */
    static String inverse(List<Linux.IdMapping> mappings) {
        return mappings.stream().map(m -> m.hostID() + " " + m.containerID() + " " + m.size() + "\n").collect(Collectors.joining());
    }

    private static void awaitOwnUserNamespace(Process holder, Path ns) throws IOException {
        Path own = Files.readSymbolicLink(Path.of("/proc/self/ns/user"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline && holder.isAlive()) {
            try {
                if (!Files.readSymbolicLink(ns).equals(own)) return;
            } catch (IOException notYet) {
                // the helper is still being started
            }
            Thread.onSpinWait();
        }
        throw new IOException("no user namespace from unshare (exit " + (holder.isAlive() ? "none" : holder.exitValue()) + ")");
    }

    private static int call(Arena arena, String what, MethodHandle handle, Object... args) throws IOException {
        MemorySegment state = arena.allocate(CALL_STATE);
        Object[] all = new Object[args.length + 1];
        all[0] = state;
        System.arraycopy(args, 0, all, 1, args.length);
        int rc;
        try {
            rc = (int) handle.invokeWithArguments(all);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc < 0) throw new IOException(what + ": errno " + (int) ERRNO.get(state, 0L));
        return rc;
    }

    private static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            call(arena, "close", CLOSE, fd);
        } catch (IOException nothingToRelease) {
            // the fd is gone either way
        }
    }

    private static MethodHandle libc(String name, ValueLayout result, MemoryLayout... args) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(),
                FunctionDescriptor.of(result, args), Linker.Option.captureCallState("errno"));
    }
}
