package io.berth.runtime;

import io.berth.errdefs.InvalidArgumentException;

/**
 * docker's json-file {@code --log-opt max-size / max-file}: before an entry would take the log past
 * {@code maxSizeBytes}, the monitor renames {@code <log>} to {@code <log>.1} (shifting older ones up to
 * {@code <log>.<maxFiles-1>}) and starts a new file; with {@code maxFiles} 1 it truncates the log instead.
 */
public record LogRotation(long maxSizeBytes, int maxFiles) {
    public LogRotation {
        if (maxSizeBytes < 1) throw new InvalidArgumentException("invalid log option max-size: " + maxSizeBytes + " (must be at least 1 byte)");
        if (maxFiles < 1) throw new InvalidArgumentException("invalid log option max-file: " + maxFiles + " (must be at least 1)");
    }
}
