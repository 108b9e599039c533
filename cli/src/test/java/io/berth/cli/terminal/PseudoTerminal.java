package io.berth.cli.terminal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** A real pseudo-terminal pair from openpty(3), so terminal code is tested on a kernel tty, not a stand-in. */
final class PseudoTerminal implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPENPTY = LINKER.downcallHandle(LINKER.defaultLookup().find("openpty").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    /** ioctl(fd, TIOCSWINSZ, struct winsize *): variadic, so the third argument is passed as one. */
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final long TIOCSWINSZ = 0x5414;
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    final int controller;
    final int device;

    private PseudoTerminal(int controller, int device) {
        this.controller = controller;
        this.device = device;
    }

    static PseudoTerminal open() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment controller = arena.allocate(JAVA_INT);
            MemorySegment device = arena.allocate(JAVA_INT);
            int rc = (int) OPENPTY.invokeExact(controller, device, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL);
            if (rc != 0) {
                throw new IllegalStateException("openpty failed");
            }
            return new PseudoTerminal(controller.get(JAVA_INT, 0), device.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw new IllegalStateException("openpty failed", t);
        }
    }

    /** Sets the terminal's size, as a terminal emulator does when its window is resized. */
    void resize(WindowSize size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment winsize = arena.allocate(JAVA_SHORT, 4);
            winsize.setAtIndex(JAVA_SHORT, 0, (short) size.rows());
            winsize.setAtIndex(JAVA_SHORT, 1, (short) size.columns());
            if ((int) IOCTL.invokeExact(controller, TIOCSWINSZ, winsize) != 0) {
                throw new IllegalStateException("ioctl TIOCSWINSZ failed");
            }
        } catch (Throwable t) {
            throw new IllegalStateException("resizing the pseudo-terminal failed", t);
        }
    }

    @Override
    public void close() {
        int deviceClosed;
        int controllerClosed;
        try {
            deviceClosed = (int) CLOSE.invokeExact(device);
            controllerClosed = (int) CLOSE.invokeExact(controller);
        } catch (Throwable t) {
            throw new IllegalStateException("close failed", t);
        }
        if (deviceClosed != 0 || controllerClosed != 0) {
            throw new IllegalStateException("closing the pseudo-terminal failed");
        }
    }
}
