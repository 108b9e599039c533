package io.berth.image.layer;

import io.berth.linux.Errno;
import io.berth.linux.LinuxException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Reading extended attributes without following symlinks (llistxattr/lgetxattr through FFM), which the JDK cannot do for trusted.*. */
final class Xattrs {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle LLISTXATTR = LINKER.downcallHandle(LINKER.defaultLookup().find("llistxattr").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle LGETXATTR = LINKER.downcallHandle(LINKER.defaultLookup().find("lgetxattr").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);
    private static final int BUFFER = 65536;

    private Xattrs() {}

    /** Every xattr of {@code path} (not following a final symlink), names in the kernel's order. */
    static Map<String, byte[]> list(Path path) throws LinuxException {
        Map<String, byte[]> values = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment file = arena.allocateFrom(path.toString());
            MemorySegment names = arena.allocate(BUFFER);
            long length = (long) LLISTXATTR.invokeExact(state, file, names, (long) BUFFER);
            if (length < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == Errno.EOPNOTSUPP) return values;
                throw new LinuxException("llistxattr", path.toString(), errno);
            }
            int start = 0;
            for (int i = 0; i < length; i++) {
                if (names.get(JAVA_BYTE, i) != 0) continue;
                String name = new String(names.asSlice(start, i - start).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
                byte[] value = get(arena, state, file, name, path);
                if (value != null) values.put(name, value);
                start = i + 1;
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return values;
    }

    /** One xattr as text (ISO-8859-1), or null if absent. */
    static String get(Path path, String name) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            byte[] value = get(arena, arena.allocate(CALL_STATE), arena.allocateFrom(path.toString()), name, path);
            return value == null ? null : new String(value, StandardCharsets.ISO_8859_1);
        }
    }

    private static byte[] get(Arena arena, MemorySegment state, MemorySegment file, String name, Path path) throws LinuxException {
        MemorySegment value = arena.allocate(BUFFER);
        long length;
        try {
            length = (long) LGETXATTR.invokeExact(state, file, arena.allocateFrom(name), value, (long) BUFFER);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (length < 0) {
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == 61 /* ENODATA */ || errno == Errno.EOPNOTSUPP) return null;
            throw new LinuxException("lgetxattr " + name, path.toString(), errno);
        }
        return value.asSlice(0, length).toArray(JAVA_BYTE);
    }
}
