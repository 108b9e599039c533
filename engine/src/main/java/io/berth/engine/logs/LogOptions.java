package io.berth.engine.logs;

import java.time.Instant;

/**
 * What part of a container's log to send, as in GET /containers/{id}/logs. {@code tail} &lt; 0 means
 * all lines; {@code since}/{@code until} are null when unbounded.
 */
public record LogOptions(boolean stdout, boolean stderr, boolean timestamps, int tail, Instant since, Instant until,
                         boolean follow) {
    public static LogOptions everything(boolean follow) {
        return new LogOptions(true, true, false, -1, null, null, follow);
    }

    boolean accepts(LogEntry e) {
        if (e.stream() == LogStream.STDOUT && !stdout) return false;
        if (e.stream() == LogStream.STDERR && !stderr) return false;
        if (since != null && e.time().isBefore(since)) return false;
        return until == null || !e.time().isAfter(until);
    }
}
