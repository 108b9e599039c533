package io.berth.runtime.cli;

import io.berth.errdefs.InvalidArgumentException;

import java.util.List;
import java.util.Locale;

/** Signal names as kill(1) and runc take them ("KILL", "SIGKILL", "9") to x86-64 numbers. */
final class Signals {
    /** Index = signal number. */
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
            "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");
    private static final int SIGRTMAX = 64;

    private Signals() {}

    static int parse(String signal) {
        if (signal.chars().allMatch(Character::isDigit)) {
            int number = Integer.parseInt(signal);
            if (number >= 1 && number <= SIGRTMAX) return number;
        } else {
            String name = signal.toUpperCase(Locale.ROOT).replaceFirst("^SIG", "");
            int number = NAMES.indexOf(name);
            if (number > 0) return number;
        }
        throw new InvalidArgumentException("unknown signal \"" + signal + "\"");
    }
}
