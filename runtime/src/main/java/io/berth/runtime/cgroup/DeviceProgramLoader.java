package io.berth.runtime.cgroup;

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

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Loads a {@link DeviceProgram} with bpf(2) and attaches it to a cgroup v2 directory (BPF_PROG_ATTACH,
 * BPF_CGROUP_DEVICE), through the Foreign Function &amp; Memory API: no libbpf. Attached without
 * BPF_F_ALLOW_MULTI, a new program replaces the cgroup's previous one (docker update), and the cgroup keeps the
 * program alive once its fd is closed.
 */
final class DeviceProgramLoader {
    private static final long SYS_BPF = 321; // x86_64
    private static final int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8;
    private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15, BPF_CGROUP_DEVICE = 6;
    private static final int O_RDONLY = 0, O_DIRECTORY = 0200000, O_CLOEXEC = 02000000;
    /** Enough of union bpf_attr for PROG_LOAD's fields up to expected_attach_type; the kernel zero-fills the rest. */
    private static final int ATTR_SIZE = 72;
    private static final int LOG_SIZE = 64 * 1024;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.captureCallState("errno"));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private DeviceProgramLoader() {}

    /** Loads {@code program} and attaches it to the cgroup directory {@code cgroup}; the verifier's log explains a refusal. */
    static void attach(Path cgroup, DeviceProgram program) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int cgroupFd = (int) OPEN.invokeExact(state, arena.allocateFrom(cgroup.toString()), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (cgroupFd < 0) throw new LinuxException("open", cgroup.toString(), errno(state));
            int programFd = -1;
            try {
                programFd = load(arena, state, program, cgroup);
                MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
                attr.set(JAVA_INT, 0, cgroupFd); // target_fd
                attr.set(JAVA_INT, 4, programFd); // attach_bpf_fd
                attr.set(JAVA_INT, 8, BPF_CGROUP_DEVICE); // attach_type
                if ((long) SYSCALL.invokeExact(state, SYS_BPF, BPF_PROG_ATTACH, attr, ATTR_SIZE) < 0)
                    throw new LinuxException("bpf(BPF_PROG_ATTACH)", cgroup.toString(), errno(state));
            } finally {
                if (programFd >= 0) close(programFd);
                close(cgroupFd);
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static int load(Arena arena, MemorySegment state, DeviceProgram program, Path cgroup) throws Throwable {
        byte[] code = program.toBytes();
        MemorySegment insns = arena.allocate(code.length, 8);
        insns.copyFrom(MemorySegment.ofArray(code));
        MemorySegment license = arena.allocateFrom("Apache-2.0");
        MemorySegment log = arena.allocate(LOG_SIZE);
        // quietly first; on a refusal once more with the verifier's log, to say why
        for (int logLevel = 0; ; logLevel++) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, BPF_PROG_TYPE_CGROUP_DEVICE); // prog_type
            attr.set(JAVA_INT, 4, code.length / 8); // insn_cnt
            attr.set(JAVA_LONG, 8, insns.address()); // insns
            attr.set(JAVA_LONG, 16, license.address()); // license
            if (logLevel > 0) {
                attr.set(JAVA_INT, 24, logLevel); // log_level
                attr.set(JAVA_INT, 28, LOG_SIZE); // log_size
                attr.set(JAVA_LONG, 32, log.address()); // log_buf
            }
            attr.setString(48, "berth_devices", StandardCharsets.US_ASCII); // prog_name (16 bytes)
            long fd = (long) SYSCALL.invokeExact(state, SYS_BPF, BPF_PROG_LOAD, attr, ATTR_SIZE);
            if (fd >= 0) return (int) fd;
            if (logLevel > 0) {
                String verifier = log.getString(0).strip();
                throw new LinuxException("bpf(BPF_PROG_LOAD)", "device program for " + cgroup
                        + (verifier.isEmpty() ? "" : " (verifier: " + verifier + ")"), errno(state));
            }
        }
    }

    private static void close(int fd) throws Throwable {
        int closed = (int) CLOSE.invokeExact(fd); // a close of a fd just used cannot fail in a way that matters here
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }
}
