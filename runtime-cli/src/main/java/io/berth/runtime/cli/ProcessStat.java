package io.berth.runtime.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What /proc/&lt;pid&gt;/stat tells about a process: its state letter and its start time in clock ticks since boot,
 * which together with the pid names one process for good (a pid is recycled, the pair is not).
 */
record ProcessStat(char state, long startTime) {
    /** The process as it is now; empty once it is gone (reaped). */
    static Optional<ProcessStat> of(int pid) {
        if (pid <= 0) return Optional.empty();
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
        } catch (IOException e) {
            return Optional.empty();
        }
        // the command name in parentheses may hold spaces and ')': the fields that follow start after the last ')'
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Optional.of(new ProcessStat(fields[0].charAt(0), Long.parseLong(fields[19])));
    }

    /** Exited but not reaped yet: it runs nothing any more. */
    boolean zombie() {
        return state == 'Z' || state == 'X';
    }
}
