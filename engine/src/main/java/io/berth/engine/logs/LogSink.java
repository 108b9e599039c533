package io.berth.engine.logs;

import java.io.IOException;

/**
 * Receives log entries in order; an IOException (client gone) stops the reader. The reader calls
 * {@link #flush()} after each batch it has read, so a sink may buffer between batches.
 */
@FunctionalInterface
public interface LogSink {
    void accept(LogEntry entry) throws IOException;

    default void flush() throws IOException {}
}
