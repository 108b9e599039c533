package io.berth.cli.terminal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The libc terminal calls the JDK lacks (isatty, tcgetattr, cfmakeraw, tcsetattr, ioctl
 * TIOCGWINSZ), through the Foreign Function &amp; Memory API. A terminal's settings travel as the
 * raw bytes of its {@code struct termios}, so callers can save and put them back unchanged.
 */
public final class TerminalControl {
    /** sizeof(struct termios) on x86-64 and aarch64 glibc is 60; the spare bytes cost nothing. */
    private static final long TERMIOS_SIZE = 64;
    /** c_lflag follows c_iflag, c_oflag and c_cflag (unsigned ints). */
    private static final long LOCAL_FLAGS_OFFSET = 12;
    private static final int TCSANOW = 0;
    private static final long TIOCGWINSZ = 0x5413;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    /** struct winsize: rows, columns, then two pixel sizes nobody fills in. */
    private static final MemoryLayout WINSIZE = MemoryLayout.sequenceLayout(4, JAVA_SHORT);

    private static final MethodHandle ISATTY = LINKER.downcallHandle(
            LINKER.defaultLookup().find("isatty").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle TCGETATTR = libc("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle TCSETATTR = libc("tcsetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CFMAKERAW = LINKER.downcallHandle(
            LINKER.defaultLookup().find("cfmakeraw").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
    /** ioctl is variadic: the third argument must be passed as one. */
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2), CAPTURE_ERRNO);

    /** c_lflag bits that tell a line-editing terminal from a raw one. */
    public static final int ICANON = 0x2;
    public static final int ECHO = 0x8;

    private TerminalControl() {
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, CAPTURE_ERRNO);
    }

    public static boolean isTerminal(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw new IllegalStateException("isatty failed", t);
        }
    }

    /** The terminal's current settings (tcgetattr). */
    public static byte[] attributes(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment termios = arena.allocate(TERMIOS_SIZE);
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) TCGETATTR.invokeExact(state, fd, termios);
            check(rc, state, "tcgetattr", fd);
            return termios.toArray(JAVA_BYTE);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("tcgetattr failed", t);
        }
    }

    /** Applies settings at once (tcsetattr TCSANOW). */
    public static void setAttributes(int fd, byte[] attributes) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment termios = arena.allocateFrom(JAVA_BYTE, attributes);
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) TCSETATTR.invokeExact(state, fd, TCSANOW, termios);
            check(rc, state, "tcsetattr", fd);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("tcsetattr failed", t);
        }
    }

    /** The given settings made raw as cfmakeraw does: no echo, no line editing, no signal keys, 8-bit. */
    public static byte[] rawAttributes(byte[] attributes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment termios = arena.allocateFrom(JAVA_BYTE, attributes);
            CFMAKERAW.invokeExact(termios);
            return termios.toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw new IllegalStateException("cfmakeraw failed", t);
        }
    }

    /** c_lflag of saved settings, to tell raw from cooked ({@link #ICANON}, {@link #ECHO}). */
    public static int localFlags(byte[] attributes) {
        return MemorySegment.ofArray(attributes).get(JAVA_INT.withByteAlignment(1), LOCAL_FLAGS_OFFSET);
    }

    /** The window size of the terminal on fd, or empty when fd is no terminal or reports 0x0. */
    public static Optional<WindowSize> windowSize(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(WINSIZE);
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) IOCTL.invokeExact(state, fd, TIOCGWINSZ, size);
            int rows = Short.toUnsignedInt(size.getAtIndex(JAVA_SHORT, 0));
            int columns = Short.toUnsignedInt(size.getAtIndex(JAVA_SHORT, 1));
            return rc == 0 && rows > 0 && columns > 0 ? Optional.of(new WindowSize(rows, columns)) : Optional.empty();
        } catch (Throwable t) {
            throw new IllegalStateException("ioctl TIOCGWINSZ failed", t);
        }
    }

    private static void check(int rc, MemorySegment state, String call, int fd) throws IOException {
        if (rc != 0) {
            throw new IOException(call + " on fd " + fd + " failed: errno " + (int) ERRNO.get(state, 0L));
        }
    }
}
