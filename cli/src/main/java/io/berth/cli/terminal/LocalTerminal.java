package io.berth.cli.terminal;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Optional;

/**
 * The CLI's own standard streams as interactive commands see them: the input to forward, and
 * whether stdin and stdout are terminals (raw mode needs the first, window sizes come from the
 * second). The native checks run on first use only, so commands that never ask pay nothing.
 */
public final class LocalTerminal {
    public static final int STDIN = 0;
    public static final int STDOUT = 1;

    private final InputStream stdin;
    private final boolean nativeStreams;
    private Boolean stdinIsTerminal;
    private Boolean stdoutIsTerminal;

    private LocalTerminal(InputStream stdin, boolean nativeStreams) {
        this.stdin = stdin;
        this.nativeStreams = nativeStreams;
    }

    /** The process's real fds 0 and 1; unbuffered, so a key press is forwarded as soon as it is read. */
    public static LocalTerminal detect() {
        return new LocalTerminal(new FileInputStream(FileDescriptor.in), true);
    }

    /** Input that is not a terminal, with no terminal on stdout either, as in tests and pipelines. */
    public static LocalTerminal piped(InputStream stdin) {
        return new LocalTerminal(stdin, false);
    }

    public InputStream stdin() {
        return stdin;
    }

    public synchronized boolean stdinIsTerminal() {
        if (stdinIsTerminal == null) {
            stdinIsTerminal = nativeStreams && TerminalControl.isTerminal(STDIN);
        }
        return stdinIsTerminal;
    }

    public synchronized boolean stdoutIsTerminal() {
        if (stdoutIsTerminal == null) {
            stdoutIsTerminal = nativeStreams && TerminalControl.isTerminal(STDOUT);
        }
        return stdoutIsTerminal;
    }

    /** The size of the terminal on stdout, which docker reports as the container's console size. */
    public Optional<WindowSize> windowSize() {
        return stdoutIsTerminal() ? TerminalControl.windowSize(STDOUT) : Optional.empty();
    }
}
