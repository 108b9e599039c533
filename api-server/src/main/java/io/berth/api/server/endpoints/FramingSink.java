package io.berth.api.server.endpoints;

import io.berth.engine.logs.LogEntry;
import io.berth.engine.logs.LogSink;
import io.berth.engine.logs.LogStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Frames the selected log entries for the client and writes each batch the reader hands over as
 * one piece (one chunk, one send), instead of one write per line of output.
 */
final class FramingSink implements LogSink {
    /** Where framed bytes go: a chunked answer or a hijacked connection. */
    @FunctionalInterface
    interface Output {
        void write(byte[] bytes) throws IOException;
    }

    private static final int FLUSH_ABOVE = 64 * 1024;

    private final StreamFrames frames;
    private final boolean stdout;
    private final boolean stderr;
    private final Output output;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    FramingSink(StreamFrames frames, boolean stdout, boolean stderr, Output output) {
        this.frames = frames;
        this.stdout = stdout;
        this.stderr = stderr;
        this.output = output;
    }

    @Override
    public void accept(LogEntry entry) throws IOException {
        if (!(entry.stream() == LogStream.STDOUT ? stdout : stderr)) return;
        frames.writeTo(pending, entry);
        if (pending.size() > FLUSH_ABOVE) flush();
    }

    @Override
    public void flush() throws IOException {
        if (pending.size() == 0) return;
        byte[] bytes = pending.toByteArray();
        pending.reset();
        output.write(bytes);
    }
}
