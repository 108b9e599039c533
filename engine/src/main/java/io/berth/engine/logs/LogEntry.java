package io.berth.engine.logs;

import java.time.Instant;

/**
 * One record of the json-file log: the bytes a container wrote (usually one line) and when, kept as
 * the log's RFC 3339 text: most reads never look at the time, and parsing it for every line of a
 * large log costs more than the rest of the read.
 */
public record LogEntry(LogStream stream, byte[] payload, String timeText) {
    public LogEntry(LogStream stream, byte[] payload, Instant time) {
        this(stream, payload, time.toString());
    }

    public Instant time() {
        return Instant.parse(timeText);
    }
}
