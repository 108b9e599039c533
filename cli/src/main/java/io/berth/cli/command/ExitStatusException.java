package io.berth.cli.command;

/**
 * Ends a command with a given exit status, printing the message (when there is one) exactly as
 * it is: for docker's plain-worded failures such as "the input device is not a TTY" or an exec's status.
 */
final class ExitStatusException extends RuntimeException {
    private final int status;

    ExitStatusException(String message, int status) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }

    /** docker's refusal of -t with -i when stdin is not a terminal (raw mode and the stream need one). */
    static void requireTerminalFor(boolean attachStdin, boolean tty, boolean stdinIsTerminal) {
        if (attachStdin && tty && !stdinIsTerminal) {
            throw new ExitStatusException("the input device is not a TTY", 1);
        }
    }

    /** What attach and exec report after the detach keys, as docker does (run and start exit 0 instead). */
    static ExitStatusException detached() {
        return new ExitStatusException("read escape sequence", 1);
    }
}
