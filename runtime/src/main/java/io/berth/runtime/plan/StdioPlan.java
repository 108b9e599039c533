package io.berth.runtime.plan;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Process;
import io.berth.runtime.ProcessIo;

import java.nio.file.Path;

/** How the monitor wires a process's stdio; see native/README.md for the records it becomes. */
public sealed interface StdioPlan {
    /** Output to the log (or discarded), input and resizes from clients of {@code controlSocket} (null: none). */
    record Relayed(ProcessIo io, Path controlSocket) implements StdioPlan {}

    /** The shim's own stdio (a standalone runtime's caller's); a terminal's pty master goes to {@code consoleSocket}. */
    record Inherited(Path consoleSocket) implements StdioPlan {}

    /** The records the monitor reads, before any step of the child. */
    default void addMonitorRecords(Plan plan, Process process) {
        boolean terminal = Boolean.TRUE.equals(process.terminal());
        switch (this) {
            case Relayed(ProcessIo io, Path controlSocket) -> {
                if (io.jsonLogFile() != null) plan.add("log", io.jsonLogFile());
                if (io.rotation() != null) plan.add("log_rotate", io.rotation().maxSizeBytes(), io.rotation().maxFiles());
                if (io.openStdin()) plan.add("open_stdin");
                if (controlSocket != null) plan.add("control_socket", controlSocket);
            }
            case Inherited(Path consoleSocket) -> {
                plan.add("stdio_inherit");
                if (terminal && consoleSocket == null)
                    throw new InvalidArgumentException("cannot allocate tty if runc will detach without setting console socket");
                if (!terminal && consoleSocket != null)
                    throw new InvalidArgumentException("cannot use console socket if runc will not detach or allocate tty");
                if (consoleSocket != null) plan.add("console_socket", consoleSocket.toAbsolutePath());
            }
        }
        Process.ConsoleSize size = process.consoleSize();
        if (terminal && size != null) plan.add("console_size", size.height(), size.width());
    }
}
